#include "services/store/sqlite/checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "services/core/strings.h"
#include "tests/support/temp_dir.h"

namespace herald::store::sqlite {
namespace {

constexpr int kPages = 64;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::Open(path_, {});
    ASSERT_TRUE(db.ok()) << db.status();
    writer_ = *std::move(db);
    ASSERT_TRUE(writer_->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").ok());
    auto checkpointer = Checkpointer::Start(path_, {}, kPages);
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
    checkpointer_ = *std::move(checkpointer);
    checkpointer_->Attach(*writer_);
  }

  // One commit of `rows` rows of about a page each.
  void Commit(int rows) {
    ASSERT_TRUE(writer_->Exec("BEGIN").ok());
    for (int i = 0; i < rows; ++i) {
      ASSERT_TRUE(writer_->Exec("INSERT INTO t (body) VALUES (randomblob(3500))").ok());
    }
    ASSERT_TRUE(writer_->Exec("COMMIT").ok());
  }

  uintmax_t FileSize(const std::string& name) {
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(name, error);
    return error ? 0 : size;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("herald.db");
  std::unique_ptr<Db> writer_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

TEST_F(CheckpointerTest, TheDatabaseCatchesUpWithTheWalWhileTheWriterWritesNothing) {
  const uintmax_t before = FileSize(path_);
  Commit(kPages + 8);  // past the threshold: the commit asks, the thread copies
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (FileSize(path_) < before + kPages * 3500u && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(FileSize(path_), before + kPages * 3500u)
      << "the rows were not copied into the database file";
}

TEST_F(CheckpointerTest, TheWalStartsOverInsteadOfGrowingAndEveryRowIsKept) {
  // 40 times the threshold, in commits of a few pages: the WAL is started over rather
  // than grown to all of it. How often depends on when the thread gets the CPU (while it
  // copies, the writer's own copy finds it busy and the WAL grows meanwhile), so the
  // bound is half of all that was written, not a count of restarts.
  for (int i = 0; i < 40 * kPages / 4; ++i) Commit(4);
  const uintmax_t page_with_header = 4096 + 24;
  EXPECT_LE(FileSize(path_ + "-wal"), 20u * kPages * page_with_header);
  checkpointer_.reset();
  writer_.reset();
  auto reopened = Db::Open(path_, {});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto count = (*reopened)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*(*count)->Step());
  EXPECT_EQ((*count)->ColumnInt(0), 40 * kPages);
}

}  // namespace
}  // namespace herald::store::sqlite
