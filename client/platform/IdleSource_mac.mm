// macOS: seconds since the last input event of any kind, for the whole login session.
#include "core/IdleSource.h"

#include <CoreGraphics/CoreGraphics.h>

namespace presently {

namespace {
class MacIdleSource : public IdleSource {
public:
    std::optional<qint64> idleMs() override
    {
        const CFTimeInterval seconds =
            CGEventSourceSecondsSinceLastEventType(kCGEventSourceStateCombinedSessionState, kCGAnyInputEventType);
        return static_cast<qint64>(seconds * 1000.0);
    }
    const char *name() const override { return "CGEventSource"; }
};
} // namespace

std::unique_ptr<IdleSource> createPlatformIdleSource()
{
    return std::make_unique<MacIdleSource>();
}

} // namespace presently
