#pragma once

#include "core/IdleSource.h"

#include <QElapsedTimer>
#include <QObject>

namespace presently {

// The last fallback: input seen by this application only.
class AppIdleSource : public QObject, public IdleSource {
    Q_OBJECT
public:
    explicit AppIdleSource(QObject *parent = nullptr);

    std::optional<qint64> idleMs() override;
    const char *name() const override { return "application input"; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QElapsedTimer m_sinceInput;
};

} // namespace presently
