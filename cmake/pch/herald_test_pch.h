// herald_pch.h and what the tests add to it: GoogleTest, GoogleMock and the API's
// generated messages and stubs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cmake/pch/herald_pch.h"
#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
