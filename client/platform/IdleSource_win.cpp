// Windows: GetLastInputInfo, system-wide for the session.
#include "core/IdleSource.h"

#include <windows.h>

namespace presently {

namespace {
class WindowsIdleSource : public IdleSource {
public:
    std::optional<qint64> idleMs() override
    {
        LASTINPUTINFO info;
        info.cbSize = sizeof(info);
        if (!GetLastInputInfo(&info))
            return std::nullopt;
        return static_cast<qint64>(GetTickCount() - info.dwTime);
    }
    const char *name() const override { return "GetLastInputInfo"; }
};
} // namespace

std::unique_ptr<IdleSource> createPlatformIdleSource()
{
    return std::make_unique<WindowsIdleSource>();
}

} // namespace presently
