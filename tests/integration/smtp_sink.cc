#include "tests/integration/smtp_sink.h"

#include <google/protobuf/util/json_util.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace herald::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

SmtpSink::SmtpSink(const std::string& dir, std::vector<std::string> extra) : dir_(dir) {
  std::filesystem::create_directories(dir_);
  // Its log goes to a file: a test that sends thousands of messages and reads none of
  // it would otherwise fill the pipe and stall the server.
  std::vector<std::string> argv = {"/usr/bin/python3", SMTP_SINK_PY, "--dir", dir_, "--log",
                                   dir_ + "/sink.log"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Subprocess>(std::move(argv));
  std::optional<std::string> line =
      process_->WaitForLine("listening 127.0.0.1:", std::chrono::seconds(20));
  if (line) port_ = std::stoi(line->substr(line->rfind(':') + 1));
}

SmtpSink::~SmtpSink() { Stop(); }

std::string SmtpSink::Stderr() {
  return (process_ == nullptr ? std::string() : process_->Stderr()) + ReadAll(dir_ + "/sink.log");
}

void SmtpSink::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGCONT);  // a paused one, too
  process_->Signal(SIGTERM);
  process_->Wait();
  process_.reset();
}

void SmtpSink::Pause() {
  if (process_ != nullptr) process_->Signal(SIGSTOP);
}

void SmtpSink::Resume() {
  if (process_ != nullptr) process_->Signal(SIGCONT);
}

std::vector<google::protobuf::Struct> SmtpSink::WaitForMessages(size_t count,
                                                                std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  std::vector<google::protobuf::Struct> out;
  while (true) {
    out.clear();
    for (int n = 1;; ++n) {
      char name[16];
      std::snprintf(name, sizeof name, "%04d.json", n);
      const std::string path = dir_ + "/" + name;
      if (!std::filesystem::exists(path)) break;
      google::protobuf::Struct message;
      if (!google::protobuf::util::JsonStringToMessage(ReadAll(path), &message).ok()) break;
      out.push_back(std::move(message));
    }
    if (out.size() >= count || std::chrono::steady_clock::now() >= give_up) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string SmtpSink::Raw(int n) const {
  char name[16];
  std::snprintf(name, sizeof name, "%04d.eml", n);
  return ReadAll(dir_ + "/" + name);
}

}  // namespace herald::testing
