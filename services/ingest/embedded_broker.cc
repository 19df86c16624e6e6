#include "services/ingest/embedded_broker.h"

#include "services/core/strings.h"
#include "services/ingest/kafka_conf.h"

namespace herald::ingest {

absl::StatusOr<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(
    int brokers, const std::vector<std::string>& topics, int partitions) {
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker());
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  RouteLogs(conf);
  // The handle only hosts the cluster; it never connects anywhere, so it gets no
  // bootstrap servers and its warning about that is silenced (log level 3: errors).
  if (rd_kafka_conf_set(conf, "client.id", "herald-embedded-broker", error, sizeof error) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(core::StrCat("embedded broker: ", error));
  }
  broker->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (broker->handle_ == nullptr) {
    return absl::InternalError(core::StrCat("embedded broker: ", error));
  }
  broker->cluster_ = rd_kafka_mock_cluster_new(broker->handle_, brokers);
  if (broker->cluster_ == nullptr) {
    return absl::InternalError("embedded broker: the mock cluster did not start");
  }
  broker->bootstrap_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_);
  for (const std::string& topic : topics) {
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(broker->cluster_, topic.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(
          core::StrCat("embedded broker: topic ", topic, ": ", rd_kafka_err2str(err)));
    }
  }
  return broker;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

}  // namespace herald::ingest
