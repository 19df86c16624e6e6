#include "services/core/masking.h"

#include <gtest/gtest.h>

namespace herald::core {
namespace {

TEST(MaskingTest, AddressesNumbersAndNamesKeepOnlyWhatTellsThemApart) {
  EXPECT_EQ(MaskEmail("anna@example.nl"), "a***@example.nl");
  EXPECT_EQ(MaskEmail("nope"), "****");
  EXPECT_EQ(MaskPhone("+31612345678"), "+3161*****78");
  EXPECT_EQ(MaskPhone("+44 7700 900123"), "+44 77** ****23");
  EXPECT_EQ(MaskName("Anna de Vries"), "A*** d* V****");
  EXPECT_EQ(MaskName("Łukasz"), "Ł*****");
}

TEST(MaskingTest, FreeTextHasEveryAddressAndNumberMasked) {
  EXPECT_EQ(MaskContactData("550 5.1.1 <anna.de.vries@example.nl>: Recipient address rejected"),
            "550 5.1.1 <a***@example.nl>: Recipient address rejected");
  EXPECT_EQ(MaskContactData("sms to +31612345678 and +31 6 1234 5678 failed"),
            "sms to +3161*****78 and +31 6 1*** **78 failed");
  EXPECT_EQ(MaskContactData(R"(event.customer.email: "bob@x.co" is not valid)"),
            R"(event.customer.email: "b***@x.co" is not valid)");
  // Not contact data: left alone.
  EXPECT_EQ(MaskContactData("attempt 2 on EMAIL at 2026-12-06T10:00:00Z (+1 retry)"),
            "attempt 2 on EMAIL at 2026-12-06T10:00:00Z (+1 retry)");
  EXPECT_EQ(MaskContactData("user@localhost and @ alone"), "user@localhost and @ alone");
  EXPECT_EQ(MaskContactData(""), "");
}

}  // namespace
}  // namespace herald::core
