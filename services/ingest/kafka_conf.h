#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace herald::ingest {

/// A librdkafka global configuration with every property set and librdkafka's log
/// and error events going to Herald's log; INVALID_ARGUMENT names
/// the property librdkafka refused and says why. `where` prefixes the message (e.g.
/// "kafka.properties").
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeKafkaConf(
    const std::map<std::string, std::string>& properties, const std::string& where);

/// Sends a C-API client's log lines to Herald's log.
void RouteLogs(rd_kafka_conf_t* conf);

}  // namespace herald::ingest
