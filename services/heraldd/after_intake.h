#pragma once

#include "services/compose/composer.h"
#include "services/dispatch/dispatcher.h"
#include "services/ingest/intake.h"
#include "services/policy/releaser.h"

namespace herald::heraldd {

/// What intake recorded goes on at once: the events as it decoded them to rendering,
/// what it queued to the dispatcher in memory with the event rendering needs, and a
/// wake-up to the releaser when something waits for its time. `dispatcher` and `releaser` may be
/// null (not running).
void HandOnRecorded(ingest::Recorded recorded, compose::Composer& composer,
                    dispatch::Dispatcher* dispatcher, policy::Releaser* releaser);

}  // namespace herald::heraldd
