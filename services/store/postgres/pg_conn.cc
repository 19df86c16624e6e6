#include "services/store/postgres/pg_conn.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>

#include "absl/strings/cord.h"
#include "services/core/strings.h"

namespace herald::store::postgres {
namespace {

void AppendQuoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

template <typename T, typename Append>
std::string ArrayLiteral(const std::vector<T>& values, Append append) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    append(out, values[i]);
  }
  out.push_back('}');
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

// libpq's message on one line (a log line is one record): its lines joined with "; ".
std::string Trimmed(const char* message) {
  std::string text;
  for (const char* c = message == nullptr ? "" : message; *c != '\0'; ++c) {
    if (*c == '\n') {
      text += "; ";
    } else if (*c != '\t') {
      text.push_back(*c);
    }
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == ';')) text.pop_back();
  return text;
}

}  // namespace

Params& Params::Add(std::string_view text) {
  values_.emplace_back(std::string(text));
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::Add(int64_t value) { return Add(std::string_view(std::to_string(value))); }

Params& Params::Add(std::nullopt_t) {
  values_.emplace_back(std::nullopt);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::Add(const std::optional<int64_t>& value) {
  return value ? Add(*value) : Add(std::nullopt);
}

Params& Params::Add(const std::optional<std::string>& value) {
  return value ? Add(std::string_view(*value)) : Add(std::nullopt);
}

Params& Params::AddBytes(std::string_view bytes) {
  values_.emplace_back(std::string(bytes));
  lengths_.push_back(static_cast<int>(bytes.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::AddArray(const std::vector<std::string>& values) {
  return Add(std::string_view(ArrayLiteral(values, AppendQuoted)));
}

Params& Params::AddArray(const std::vector<int64_t>& values) {
  return Add(std::string_view(
      ArrayLiteral(values, [](std::string& out, int64_t v) { out += std::to_string(v); })));
}

Params& Params::AddArray(const std::vector<std::optional<std::string>>& values) {
  return Add(std::string_view(
      ArrayLiteral(values, [](std::string& out, const std::optional<std::string>& v) {
        if (v) {
          AppendQuoted(out, *v);
        } else {
          out += "NULL";
        }
      })));
}

Params& Params::AddArray(const std::vector<std::optional<int64_t>>& values) {
  return Add(
      std::string_view(ArrayLiteral(values, [](std::string& out, const std::optional<int64_t>& v) {
        out += v ? std::to_string(*v) : "NULL";
      })));
}

const char* const* Params::values() const {
  pointers_.clear();
  for (const auto& v : values_) pointers_.push_back(v ? v->data() : nullptr);
  return pointers_.data();
}

int64_t Result::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples == nullptr || *tuples == '\0' ? 0 : std::atoll(tuples);
}

int64_t Result::Int(int row, int col) const {
  std::string_view text = View(row, col);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<int64_t> Result::OptionalInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

std::optional<std::string> Result::OptionalText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}

std::string Result::Bytes(int row, int col) const {
  std::string_view text = View(row, col);
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return std::string(text);
  std::string bytes;
  bytes.resize((text.size() - 2) / 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(HexValue(text[2 + 2 * i]) << 4 | HexValue(text[3 + 2 * i]));
  }
  return bytes;
}

namespace {
constexpr char kRetryPayload[] = "herald.store.postgres/retry";
}  // namespace

absl::Status RetryTransaction(std::string_view why) {
  absl::Status status = absl::AbortedError(std::string(why));
  status.SetPayload(kRetryPayload, absl::Cord("1"));
  return status;
}

bool ShouldRetryTransaction(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kRetryPayload).has_value();
}

absl::Status PgError(const PGresult* result, PGconn* conn, std::string_view what) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string message =
      Trimmed(result == nullptr ? PQerrorMessage(conn) : PQresultErrorMessage(result));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn));
  const std::string text = core::StrCat("postgres: ", what, ": ", message);
  const std::string_view code = state == nullptr ? "" : state;
  if (code.empty() || code.starts_with("08") || code == "57P01" || code == "57P02" ||
      code == "57P03" || code == "53300" || PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(text);
  }
  if (code == "40001" || code == "40P01" || code == "55P03") return RetryTransaction(text);
  if (code == "23505") return absl::AlreadyExistsError(text);
  if (code == "57014") return absl::DeadlineExceededError(text);
  return absl::InternalError(core::StrCat(text, " (SQLSTATE ", code, ")"));
}

namespace {

// The server's notices (e.g. "relation ... already exists, skipping") go to the log as
// one line at debug level, not raw to stderr as libpq's default does.
void LogNotice(void* /*arg*/, const char* message) {
  spdlog::debug("msg=\"postgres notice\" notice=\"{}\"", Trimmed(message));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Conn>> Conn::Open(const Options& options) {
  PGconn* conn = PQconnectdb(options.dsn.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    absl::Status status = absl::UnavailableError(
        core::StrCat("postgres: cannot connect: ", Trimmed(PQerrorMessage(conn))));
    PQfinish(conn);
    return status;
  }
  PQsetNoticeProcessor(conn, &LogNotice, nullptr);
  std::unique_ptr<Conn> result(new Conn(conn));
  std::string setup = core::StrCat("SET application_name = '", options.application_name, "'");
  if (options.statement_timeout.count() > 0) {
    setup += core::StrCat("; SET statement_timeout = ", options.statement_timeout.count());
  }
  if (absl::Status s = result->Run(setup); !s.ok()) return s;
  return result;
}

Conn::~Conn() { PQfinish(conn_); }

absl::StatusOr<Result> Conn::Exec(std::string_view sql, const Params& params) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    const std::string name = core::StrCat("s", prepared_.size() + 1);
    Result prepared(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return PgError(prepared.get(), conn_, core::StrCat("prepare ", sql));
    }
    it = prepared_.emplace(std::string(sql), name).first;
  }
  Result result(PQexecPrepared(conn_, it->second.c_str(), params.size(), params.values(),
                               params.lengths(), params.formats(), 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgError(result.get(), conn_, sql);
  }
  return result;
}

absl::Status Conn::Run(std::string_view sql) {
  Result result(PQexec(conn_, std::string(sql).c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgError(result.get(), conn_, sql.substr(0, 80));
  }
  return absl::OkStatus();
}

bool Conn::InTransaction() const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

std::string QuoteDsnValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

absl::Status CheckDsn(std::string_view dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(dsn).c_str(), &error);
  if (options == nullptr) {
    absl::Status status =
        absl::InvalidArgumentError(core::StrCat("not a libpq connection string: ", Trimmed(error)));
    PQfreemem(error);
    return status;
  }
  PQconninfoFree(options);
  return absl::OkStatus();
}

std::string DescribeDsn(std::string_view dsn) {
  PQconninfoOption* options = PQconninfoParse(std::string(dsn).c_str(), nullptr);
  if (options == nullptr) return "(not a connection string)";
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string_view key = o->keyword;
    if (o->val == nullptr || (key != "host" && key != "hostaddr" && key != "port" &&
                              key != "dbname" && key != "user" && key != "sslmode")) {
      continue;
    }
    core::StrAppend(out, out.empty() ? "" : " ", key, "=", o->val);
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace herald::store::postgres
