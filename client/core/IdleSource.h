#pragma once

#include <QtGlobal>
#include <memory>
#include <optional>

namespace presently {

// How long the whole system has been without user input. One small interface; one file per
// platform behind it (IdleSource_linux.cpp, IdleSource_win.cpp, IdleSource_mac.mm) and the
// application's own input as the last fallback (AppIdleSource).
class IdleSource {
public:
    virtual ~IdleSource() = default;

    // Milliseconds since the last input anywhere on the system; empty when unknown.
    virtual std::optional<qint64> idleMs() = 0;
    // True when the platform says the screen is locked (counts as idle at once).
    virtual bool screenLocked() { return false; }
    virtual const char *name() const = 0;

    // The best source this platform offers, falling back to the application's own input.
    static std::unique_ptr<IdleSource> create();
};

// Platform sources (empty when unavailable at run time).
std::unique_ptr<IdleSource> createPlatformIdleSource();

} // namespace presently
