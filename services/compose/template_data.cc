#include "services/compose/template_data.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <chrono>
#include <vector>

#include "services/compose/localize.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// RFC 3339 in UTC as protobuf's TimeUtil::ToString writes it ("2026-03-02T08:30:00Z",
// with 3, 6 or 9 digits of fraction when there is one), without its printf.
std::string IsoUtc(int64_t seconds, int32_t nanos) {
  const int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t of_day = seconds - days * 86400;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  std::string out = "0000-00-00T00:00:00";
  auto put = [&out](size_t end, int64_t value, int width) {
    for (int i = 1; i <= width; ++i, value /= 10)
      out[end - i] = static_cast<char>('0' + value % 10);
  };
  put(4, static_cast<int>(date.year()), 4);
  put(7, static_cast<unsigned>(date.month()), 2);
  put(10, static_cast<unsigned>(date.day()), 2);
  put(13, of_day / 3600, 2);
  put(16, of_day / 60 % 60, 2);
  put(19, of_day % 60, 2);
  if (nanos != 0) {
    const int width = nanos % 1'000'000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
    out.append(static_cast<size_t>(width) + 1, '.');
    put(out.size(), width == 3 ? nanos / 1'000'000 : width == 6 ? nanos / 1000 : nanos, width);
  }
  out.push_back('Z');
  return out;
}

class Builder {
 public:
  explicit Builder(const Reader& reader) : reader_(reader) {}

  absl::Status status() const { return status_; }

  Value FromMessage(const Message& m) {
    const std::string& type = m.GetDescriptor()->full_name();
    if (type == "google.protobuf.Timestamp") return Timestamp(m);
    if (type == "herald.v1.Money") return Money(m);
    std::vector<Value::Entry> map;
    const google::protobuf::Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);  // only the fields that are set
    for (const FieldDescriptor* f : fields) {
      if (f->is_map()) continue;
      if (f->is_repeated()) {
        Value::List items;
        items.reserve(r->FieldSize(m, f));
        for (int i = 0; i < r->FieldSize(m, f); ++i) items.push_back(Repeated(m, f, i));
        map.emplace_back(f->name(), Value::MakeList(std::move(items)));
      } else {
        map.emplace_back(f->name(), Single(m, f));
      }
    }
    return Value::MakeMap(std::move(map));
  }

 private:
  Value Single(const Message& m, const FieldDescriptor* f) {
    const google::protobuf::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return FromMessage(r->GetMessage(m, f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->GetString(m, f);
      case FieldDescriptor::CPPTYPE_INT32:
        return r->GetInt32(m, f);
      // Wider integers as text, as templates have always seen them.
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
    return Value();
  }

  Value Repeated(const Message& m, const FieldDescriptor* f, int i) {
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
        return Value();
    }
  }

  Value Timestamp(const Message& m) {
    google::protobuf::Timestamp ts;
    ts.CopyFrom(m);
    const core::Time t(
        std::chrono::microseconds(google::protobuf::util::TimeUtil::TimestampToMicroseconds(ts)));
    std::vector<Value::Entry> map{{"iso", IsoUtc(ts.seconds(), ts.nanos())}};
    auto date = compose::FormatDate(t, reader_.locale, reader_.time_zone);
    auto time = compose::FormatTimeOfDay(t, reader_.locale, reader_.time_zone);
    if (!date.ok()) Fail(date.status());
    if (!time.ok()) Fail(time.status());
    if (date.ok()) map.emplace_back("date", *std::move(date));
    if (time.ok()) map.emplace_back("time", *std::move(time));
    return Value::MakeMap(std::move(map));
  }

  Value Money(const Message& m) {
    v1::Money money;
    money.CopyFrom(m);
    const int64_t units = money.units();
    const int32_t nanos = money.nanos();
    std::string value = core::StrCat(units < 0 || nanos < 0 ? "-" : "", units < 0 ? -units : units);
    const int32_t cents = (nanos < 0 ? -nanos : nanos) / 10'000'000;
    core::StrAppend(value, ".", cents < 10 ? "0" : "", cents);
    std::vector<Value::Entry> map{{"currency", money.currency_code()}, {"value", value}};
    auto amount = compose::FormatMoney(units, nanos, money.currency_code(), reader_.locale);
    if (amount.ok()) {
      map.emplace_back("amount", *std::move(amount));
    } else {
      Fail(amount.status());
    }
    return Value::MakeMap(std::move(map));
  }

  void Fail(const absl::Status& status) {
    if (status_.ok()) status_ = status;
  }

  const Reader& reader_;
  absl::Status status_;
};

absl::StatusOr<std::vector<Value::Entry>> EventEntries(const v1::Event& event,
                                                       const Reader& reader) {
  Builder builder(reader);
  std::vector<Value::Entry> data;
  std::vector<Value::Entry> about{
      {"id", event.event_id()}, {"type", event.event_type()}, {"source", event.source()}};
  if (event.has_occur_time())
    about.emplace_back("occur_time", builder.FromMessage(event.occur_time()));
  data.emplace_back("event", Value::MakeMap(std::move(about)));
  if (event.has_order()) data.emplace_back("order", builder.FromMessage(event.order()));
  if (event.has_service()) data.emplace_back("service", builder.FromMessage(event.service()));
  if (event.has_fraud()) data.emplace_back("fraud", builder.FromMessage(event.fraud()));
  std::vector<Value::Entry> attributes;
  for (const auto& [name, value] : event.attributes()) attributes.emplace_back(name, value);
  data.emplace_back("attributes", Value::MakeMap(std::move(attributes)));
  if (!builder.status().ok()) return builder.status();
  return data;
}

Value::Entry CustomerEntry(const v1::Event& event, const core::Profile* profile,
                           const Reader& reader) {
  const v1::ContactOverrides& o = event.contact_overrides();
  auto pick = [](const std::string& from_event, const std::string& from_profile) {
    return from_event.empty() ? from_profile : from_event;
  };
  return {"customer",
          Value::MakeMap({
              {"id",
               reader.customer_id.empty() ? event.customer_id() : std::string(reader.customer_id)},
              {"name", pick(o.display_name(), profile ? profile->display_name : "")},
              {"email", pick(o.email(), profile ? profile->email : "")},
              {"phone", pick(o.phone(), profile ? profile->phone : "")},
              {"locale", reader.customer_locale.empty() ? reader.locale : reader.customer_locale},
              {"time_zone", reader.time_zone},
          })};
}

}  // namespace

absl::StatusOr<Value> BuildEventData(const v1::Event& event, const Reader& reader) {
  absl::StatusOr<std::vector<Value::Entry>> entries = EventEntries(event, reader);
  if (!entries.ok()) return entries.status();
  return Value::MakeMap(*std::move(entries));
}

Value BuildCustomerData(const v1::Event& event, const core::Profile* profile,
                        const Reader& reader) {
  if (reader.preferences_url.empty())
    return Value::MakeMap({CustomerEntry(event, profile, reader)});
  return Value::MakeMap({CustomerEntry(event, profile, reader),
                         {"preferences_url", std::string(reader.preferences_url)}});
}

absl::StatusOr<Value> BuildTemplateData(const v1::Event& event, const core::Profile* profile,
                                        const Reader& reader) {
  absl::StatusOr<std::vector<Value::Entry>> entries = EventEntries(event, reader);
  if (!entries.ok()) return entries.status();
  entries->push_back(CustomerEntry(event, profile, reader));
  if (!reader.preferences_url.empty()) {
    entries->emplace_back("preferences_url", std::string(reader.preferences_url));
  }
  return Value::MakeMap(*std::move(entries));
}

const absl::StatusOr<Value>& EventDataCache::For(std::string_view locale,
                                                 std::string_view time_zone) {
  std::pair<std::string, std::string> key(locale, time_zone);
  auto it = built_.find(key);
  if (it == built_.end()) {
    Reader reader{.locale = locale, .time_zone = time_zone};
    it = built_.emplace(std::move(key), BuildEventData(event_, reader)).first;
  }
  return it->second;
}

}  // namespace herald::compose
