// Linux: the X11 screen saver extension (loaded at run time, so the build needs no X11
// headers and a Wayland session simply falls through), else the freedesktop ScreenSaver
// D-Bus service, which also says whether the screen is locked.
#include "core/IdleSource.h"

#include <QDBusConnection>
#include <QDBusInterface>
#include <QDBusReply>
#include <QLibrary>
#include <QtGlobal>

namespace presently {

namespace {

struct XScreenSaverInfoLayout { // XScreenSaverInfo from <X11/extensions/scrnsaver.h>
    unsigned long window;
    int state;
    int kind;
    unsigned long til_or_since;
    unsigned long idle;
    unsigned long eventMask;
};

class X11IdleSource : public IdleSource {
public:
    static std::unique_ptr<IdleSource> create()
    {
        if (qEnvironmentVariableIsEmpty("DISPLAY"))
            return nullptr;
        auto source = std::make_unique<X11IdleSource>();
        if (!source->load())
            return nullptr;
        return source;
    }

    ~X11IdleSource() override
    {
        if (m_info)
            m_free(m_info);
        if (m_display)
            m_closeDisplay(m_display);
    }

    std::optional<qint64> idleMs() override
    {
        if (!m_query(m_display, m_defaultRoot(m_display), m_info))
            return std::nullopt;
        return static_cast<qint64>(static_cast<XScreenSaverInfoLayout *>(m_info)->idle);
    }
    bool screenLocked() override
    {
        // ScreenSaverOn (1): the screen saver, and so usually the lock, is up.
        return m_query(m_display, m_defaultRoot(m_display), m_info) &&
               static_cast<XScreenSaverInfoLayout *>(m_info)->state == 1;
    }
    const char *name() const override { return "X11 XScreenSaver"; }

private:
    bool load()
    {
        m_x11.setFileNameAndVersion(QStringLiteral("X11"), 6);
        m_xss.setFileNameAndVersion(QStringLiteral("Xss"), 1);
        if (!m_x11.load() || !m_xss.load())
            return false;
        m_openDisplay = reinterpret_cast<void *(*)(const char *)>(m_x11.resolve("XOpenDisplay"));
        m_closeDisplay = reinterpret_cast<int (*)(void *)>(m_x11.resolve("XCloseDisplay"));
        m_defaultRoot = reinterpret_cast<unsigned long (*)(void *)>(m_x11.resolve("XDefaultRootWindow"));
        m_free = reinterpret_cast<int (*)(void *)>(m_x11.resolve("XFree"));
        m_alloc = reinterpret_cast<void *(*)()>(m_xss.resolve("XScreenSaverAllocInfo"));
        m_query = reinterpret_cast<int (*)(void *, unsigned long, void *)>(m_xss.resolve("XScreenSaverQueryInfo"));
        auto queryExtension =
            reinterpret_cast<int (*)(void *, int *, int *)>(m_xss.resolve("XScreenSaverQueryExtension"));
        if (!m_openDisplay || !m_closeDisplay || !m_defaultRoot || !m_free || !m_alloc || !m_query || !queryExtension)
            return false;
        m_display = m_openDisplay(nullptr);
        if (!m_display)
            return false;
        int event = 0;
        int error = 0;
        if (!queryExtension(m_display, &event, &error))
            return false;
        m_info = m_alloc();
        return m_info != nullptr;
    }

    QLibrary m_x11;
    QLibrary m_xss;
    void *(*m_openDisplay)(const char *) = nullptr;
    int (*m_closeDisplay)(void *) = nullptr;
    unsigned long (*m_defaultRoot)(void *) = nullptr;
    int (*m_free)(void *) = nullptr;
    void *(*m_alloc)() = nullptr;
    int (*m_query)(void *, unsigned long, void *) = nullptr;
    void *m_display = nullptr;
    void *m_info = nullptr;
};

class FreedesktopIdleSource : public IdleSource {
public:
    static std::unique_ptr<IdleSource> create()
    {
        auto source = std::make_unique<FreedesktopIdleSource>();
        if (!source->m_screenSaver.isValid() || !source->idleMs())
            return nullptr;
        return source;
    }

    FreedesktopIdleSource()
        : m_screenSaver(QStringLiteral("org.freedesktop.ScreenSaver"), QStringLiteral("/org/freedesktop/ScreenSaver"),
                        QStringLiteral("org.freedesktop.ScreenSaver"), QDBusConnection::sessionBus())
    {}

    std::optional<qint64> idleMs() override
    {
        const QDBusReply<uint> reply = m_screenSaver.call(QStringLiteral("GetSessionIdleTime"));
        if (!reply.isValid())
            return std::nullopt;
        return static_cast<qint64>(reply.value());
    }
    bool screenLocked() override
    {
        const QDBusReply<bool> reply = m_screenSaver.call(QStringLiteral("GetActive"));
        return reply.isValid() && reply.value();
    }
    const char *name() const override { return "freedesktop ScreenSaver"; }

private:
    QDBusInterface m_screenSaver;
};

} // namespace

std::unique_ptr<IdleSource> createPlatformIdleSource()
{
    if (std::unique_ptr<IdleSource> x11 = X11IdleSource::create())
        return x11;
    return FreedesktopIdleSource::create();
}

} // namespace presently
