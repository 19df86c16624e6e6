#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace herald::testing {

/// A channel that sends "authorization: Bearer <token>" with every call, as a client of
/// heraldd does (an empty token sends none).
std::shared_ptr<grpc::Channel> BearerChannel(
    const std::string& target, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials(),
    const grpc::ChannelArguments& arguments = {});

}  // namespace herald::testing
