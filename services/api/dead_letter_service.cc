#include "services/api/dead_letter_service.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>

#include "herald/v1/profile_service.pb.h"
#include "services/api/page_token.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/core/audit.h"
#include "services/core/strings.h"
#include "services/ingest/event_decoder.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "dead-letters";
constexpr size_t kMaxPayloadText = 64 * 1024;
// Letters read for one page at most; a rare reason may take several pages to find.
constexpr int kMaxScan = 20'000;

// The message as a person reads it: JSON as it came, protobuf as JSON when it parses.
std::string PayloadText(const ingest::StoredDeadLetter& letter) {
  const std::string type = letter.Header("content-type");
  const auto encoding = ingest::EncodingOf(type);
  const auto* known = std::get_if<ingest::Encoding>(&encoding);
  if (known == nullptr) return "";
  if (*known == ingest::Encoding::kJson) {
    return core::IsValidUtf8(letter.value) ? core::ToValidUtf8(letter.value, kMaxPayloadText) : "";
  }
  std::unique_ptr<google::protobuf::Message> message;
  if (letter.Header("herald-source-topic").find("profile") != std::string::npos) {
    message = std::make_unique<v1::UpdateProfileRequest>();
  } else {
    message = std::make_unique<v1::Event>();
  }
  if (!message->ParseFromString(letter.value)) return "";
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(*message, &json, options).ok()) return "";
  return core::ToValidUtf8(json, kMaxPayloadText);
}

template <typename T>
T Number(const std::string& text) {
  T out{};
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

v1::DeadLetter ToProto(const ingest::StoredDeadLetter& letter, const std::string& topic,
                       const auth::Caller& caller) {
  v1::DeadLetter out;
  out.set_dead_letter_id(letter.Id(topic));
  out.set_reason(letter.Header("herald-dlq-reason"));
  out.set_detail(core::ToValidUtf8(letter.Header("herald-dlq-detail")));
  out.set_source_topic(letter.Header("herald-source-topic"));
  out.set_source_partition(Number<int32_t>(letter.Header("herald-source-partition")));
  out.set_source_offset(Number<int64_t>(letter.Header("herald-source-offset")));
  google::protobuf::Timestamp at;
  if (google::protobuf::util::TimeUtil::FromString(letter.Header("herald-dlq-time"), &at)) {
    *out.mutable_dead_letter_time() = at;
  }
  out.set_key(core::ToValidUtf8(letter.key));
  out.set_content_type(letter.Header("content-type"));
  out.set_payload_bytes(static_cast<int32_t>(letter.value.size()));
  if (caller.SeesContactData()) out.set_payload(PayloadText(letter));
  return out;
}

absl::StatusOr<ingest::DeadLetterPosition> DecodePosition(const std::string& token) {
  absl::StatusOr<std::string> key = DecodePageToken(kListing, token);
  if (!key.ok()) return key.status();
  ingest::DeadLetterPosition position;
  if (key->empty()) return position;
  const size_t colon = key->find(':');
  if (colon == std::string::npos) return FieldError("page_token", "is not one this listing made");
  position.partition = Number<int32_t>(key->substr(0, colon));
  position.offset = Number<int64_t>(key->substr(colon + 1));
  return position;
}

}  // namespace

grpc::ServerUnaryReactor* DeadLetterService::ListDeadLetters(
    grpc::CallbackServerContext* context, const v1::ListDeadLettersRequest* request,
    v1::ListDeadLettersResponse* response) {
  return runner_.Run(context, "DeadLetterService.ListDeadLetters",
                     [this, request, response](const auth::Caller& caller) {
                       return List(caller, *request, *response);
                     });
}

grpc::ServerUnaryReactor* DeadLetterService::ReplayDeadLetters(
    grpc::CallbackServerContext* context, const v1::ReplayDeadLettersRequest* request,
    v1::ReplayDeadLettersResponse* response) {
  return runner_.Run(context, "DeadLetterService.ReplayDeadLetters",
                     [this, request, response](const auth::Caller& caller) {
                       return Replay(caller, *request, *response);
                     });
}

absl::Status DeadLetterService::List(const auth::Caller& caller,
                                     const v1::ListDeadLettersRequest& request,
                                     v1::ListDeadLettersResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<ingest::DeadLetterPosition> from = DecodePosition(request.page_token());
  if (!from.ok()) return from.status();
  const std::string& reason = request.reason();
  absl::StatusOr<ingest::DeadLetterPage> page = letters_.Read(
      *from, *size,
      [&reason](const ingest::StoredDeadLetter& letter) {
        return reason.empty() || letter.Header("herald-dlq-reason") == reason;
      },
      kMaxScan);
  if (!page.ok()) return page.status();
  std::vector<std::string> ids;
  for (const ingest::StoredDeadLetter& letter : page->letters) {
    ids.push_back(letter.Id(letters_.topic()));
  }
  absl::StatusOr<std::map<std::string, store::DeadLetterReplay>> replays = store_.GetReplays(ids);
  if (!replays.ok()) return replays.status();
  for (const ingest::StoredDeadLetter& letter : page->letters) {
    v1::DeadLetter* out = response.add_dead_letters();
    *out = ToProto(letter, letters_.topic(), caller);
    if (auto it = replays->find(out->dead_letter_id()); it != replays->end()) {
      *out->mutable_replay_time() = ToProto(it->second.replay_time);
      out->set_replayed_by(it->second.principal);
    }
  }
  if (page->next) {
    response.set_next_page_token(
        EncodePageToken(kListing, core::StrCat(page->next->partition, ":", page->next->offset)));
  }
  return absl::OkStatus();
}

absl::Status DeadLetterService::Replay(const auth::Caller& caller,
                                       const v1::ReplayDeadLettersRequest& request,
                                       v1::ReplayDeadLettersResponse& response) {
  const bool by_ids = request.dead_letter_ids_size() > 0;
  if (by_ids == !request.reason().empty()) {
    return FieldError("dead_letter_ids", "give the letters' ids, or a reason (not both)");
  }
  std::vector<ingest::StoredDeadLetter> letters;
  if (by_ids) {
    if (request.dead_letter_ids_size() > kMaxReplay) {
      return FieldError("dead_letter_ids", core::StrCat("at most ", kMaxReplay, " at a time"));
    }
    for (const std::string& id : request.dead_letter_ids()) {
      absl::StatusOr<ingest::StoredDeadLetter> letter = letters_.ReadOne(id);
      if (!letter.ok()) return InField("dead_letter_ids", letter.status());
      letters.push_back(*std::move(letter));
    }
  } else {
    // Every letter of the reason not replayed yet, from the start of the topic.
    ingest::DeadLetterPosition from;
    for (;;) {
      absl::StatusOr<ingest::DeadLetterPage> page = letters_.Read(
          from, kMaxReplay + 1,
          [&request](const ingest::StoredDeadLetter& letter) {
            return letter.Header("herald-dlq-reason") == request.reason();
          },
          std::numeric_limits<int>::max());
      if (!page.ok()) return page.status();
      std::vector<std::string> ids;
      for (const ingest::StoredDeadLetter& letter : page->letters) {
        ids.push_back(letter.Id(letters_.topic()));
      }
      absl::StatusOr<std::map<std::string, store::DeadLetterReplay>> replays =
          store_.GetReplays(ids);
      if (!replays.ok()) return replays.status();
      for (ingest::StoredDeadLetter& letter : page->letters) {
        if (static_cast<int>(letters.size()) == kMaxReplay) {
          response.set_more(true);
          break;
        }
        if (!replays->contains(letter.Id(letters_.topic()))) letters.push_back(std::move(letter));
      }
      if (response.more() || !page->next) break;
      from = *page->next;
    }
  }
  absl::Status replayed = letters_.Replay(letters);
  if (!replayed.ok()) return replayed;
  const core::Time now = clock_.Now();
  std::vector<store::DeadLetterReplay> records;
  std::string list;
  for (const ingest::StoredDeadLetter& letter : letters) {
    std::string id = letter.Id(letters_.topic());
    response.add_dead_letter_ids(id);
    list += id + "\n";
    records.push_back(
        {.dead_letter_id = std::move(id), .replay_time = now, .principal = caller.Principal()});
  }
  absl::Status recorded = store_.RecordReplays(records);
  if (!recorded.ok()) return recorded;
  if (audit_ != nullptr && !letters.empty()) {
    const std::string resource =
        by_ids ? core::StrCat(
                     "dead-letters/", response.dead_letter_ids(0),
                     letters.size() > 1 ? core::StrCat(" and ", letters.size() - 1, " more") : "")
               : core::StrCat("dead-letters/reason:", request.reason());
    absl::Status audited = audit_->Record(caller, "DeadLetterService.ReplayDeadLetters", resource,
                                          "", core::Sha256Hex(list));
    if (!audited.ok()) audit_->Failed("DeadLetterService.ReplayDeadLetters", audited);
  }
  return absl::OkStatus();
}

}  // namespace herald::api
