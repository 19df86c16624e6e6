#include "services/ingest/kafka_conf.h"

#include <spdlog/spdlog.h>

#include "services/core/strings.h"

namespace herald::ingest {
namespace {

// librdkafka levels are syslog's: 0 emergency .. 7 debug.
spdlog::level::level_enum LevelOf(int syslog_level) {
  if (syslog_level <= 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

class LogEvents final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        spdlog::log(LevelOf(event.severity()), "msg=\"librdkafka\" facility={} detail=\"{}\"",
                    event.fac(), event.str());
        break;
      case RdKafka::Event::EVENT_ERROR:
        spdlog::warn("msg=\"librdkafka error\" error=\"{}\" detail=\"{}\"",
                     RdKafka::err2str(event.err()), event.str());
        break;
      default:
        break;
    }
  }
};

}  // namespace

void RouteLogs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* facility,
                                    const char* message) {
    spdlog::log(LevelOf(level), "msg=\"librdkafka\" facility={} detail=\"{}\"", facility, message);
  });
}

absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeKafkaConf(
    const std::map<std::string, std::string>& properties, const std::string& where) {
  static LogEvents log_events;  // stateless; shared by every client
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  if (conf->set("event_cb", &log_events, error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(core::StrCat("kafka: event_cb: ", error));
  }
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(core::StrCat(where, ".", name, ": ", error));
    }
  }
  return conf;
}

}  // namespace herald::ingest
