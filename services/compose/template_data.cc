#include "services/compose/template_data.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include "services/compose/localize.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

class Builder {
 public:
  explicit Builder(const Reader& reader) : reader_(reader) {}

  absl::Status status() const { return status_; }

  mstch::node FromMessage(const Message& m) {
    const std::string& type = m.GetDescriptor()->full_name();
    if (type == "google.protobuf.Timestamp") return Timestamp(m);
    if (type == "herald.v1.Money") return Money(m);
    mstch::map map;
    const google::protobuf::Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);  // only the fields that are set
    for (const FieldDescriptor* f : fields) {
      if (f->is_map()) continue;
      if (f->is_repeated()) {
        mstch::array items;
        for (int i = 0; i < r->FieldSize(m, f); ++i) items.push_back(Repeated(m, f, i));
        map[f->name()] = std::move(items);
      } else {
        map[f->name()] = Single(m, f);
      }
    }
    return map;
  }

 private:
  mstch::node Single(const Message& m, const FieldDescriptor* f) {
    const google::protobuf::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return FromMessage(r->GetMessage(m, f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->GetString(m, f);
      case FieldDescriptor::CPPTYPE_INT32:
        return r->GetInt32(m, f);
      case FieldDescriptor::CPPTYPE_INT64:
        return std::to_string(r->GetInt64(m, f));
      case FieldDescriptor::CPPTYPE_UINT32:
        return std::to_string(r->GetUInt32(m, f));
      case FieldDescriptor::CPPTYPE_UINT64:
        return std::to_string(r->GetUInt64(m, f));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->GetDouble(m, f);
      case FieldDescriptor::CPPTYPE_FLOAT:
        return static_cast<double>(r->GetFloat(m, f));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->GetBool(m, f);
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->GetEnum(m, f)->name();
    }
    return mstch::node();
  }

  mstch::node Repeated(const Message& m, const FieldDescriptor* f, int i) {
    const google::protobuf::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return FromMessage(r->GetRepeatedMessage(m, f, i));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->GetRepeatedString(m, f, i);
      case FieldDescriptor::CPPTYPE_INT32:
        return r->GetRepeatedInt32(m, f, i);
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->GetRepeatedEnum(m, f, i)->name();
      default:
        return mstch::node();
    }
  }

  mstch::node Timestamp(const Message& m) {
    google::protobuf::Timestamp ts;
    ts.CopyFrom(m);
    const core::Time t(
        std::chrono::microseconds(google::protobuf::util::TimeUtil::TimestampToMicroseconds(ts)));
    mstch::map map{{"iso", google::protobuf::util::TimeUtil::ToString(ts)}};
    auto date = compose::FormatDate(t, reader_.locale, reader_.time_zone);
    auto time = compose::FormatTimeOfDay(t, reader_.locale, reader_.time_zone);
    if (!date.ok()) Fail(date.status());
    if (!time.ok()) Fail(time.status());
    if (date.ok()) map["date"] = *date;
    if (time.ok()) map["time"] = *time;
    return map;
  }

  mstch::node Money(const Message& m) {
    v1::Money money;
    money.CopyFrom(m);
    const int64_t units = money.units();
    const int32_t nanos = money.nanos();
    std::string value = core::StrCat(units < 0 || nanos < 0 ? "-" : "", units < 0 ? -units : units);
    const int32_t cents = (nanos < 0 ? -nanos : nanos) / 10'000'000;
    core::StrAppend(value, ".", cents < 10 ? "0" : "", cents);
    mstch::map map{{"currency", money.currency_code()}, {"value", value}};
    auto amount = compose::FormatMoney(units, nanos, money.currency_code(), reader_.locale);
    if (amount.ok()) {
      map["amount"] = *amount;
    } else {
      Fail(amount.status());
    }
    return map;
  }

  void Fail(const absl::Status& status) {
    if (status_.ok()) status_ = status;
  }

  const Reader& reader_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<mstch::node> BuildTemplateData(const v1::Event& event, const core::Profile* profile,
                                              const Reader& reader) {
  Builder builder(reader);
  mstch::map data;

  const v1::ContactOverrides& o = event.contact_overrides();
  auto pick = [](const std::string& from_event, const std::string& from_profile) {
    return from_event.empty() ? from_profile : from_event;
  };
  data["customer"] = mstch::map{
      {"id", reader.customer_id.empty() ? event.customer_id() : std::string(reader.customer_id)},
      {"name", pick(o.display_name(), profile ? profile->display_name : "")},
      {"email", pick(o.email(), profile ? profile->email : "")},
      {"phone", pick(o.phone(), profile ? profile->phone : "")},
      {"locale",
       std::string(reader.customer_locale.empty() ? reader.locale : reader.customer_locale)},
      {"time_zone", std::string(reader.time_zone)},
  };
  mstch::map about{
      {"id", event.event_id()}, {"type", event.event_type()}, {"source", event.source()}};
  if (event.has_occur_time()) about["occur_time"] = builder.FromMessage(event.occur_time());
  data["event"] = std::move(about);
  if (event.has_order()) data["order"] = builder.FromMessage(event.order());
  if (event.has_service()) data["service"] = builder.FromMessage(event.service());
  if (event.has_fraud()) data["fraud"] = builder.FromMessage(event.fraud());
  mstch::map attributes;
  for (const auto& [name, value] : event.attributes()) attributes[name] = value;
  data["attributes"] = std::move(attributes);
  if (!builder.status().ok()) return builder.status();
  return mstch::node(std::move(data));
}

}  // namespace herald::compose
