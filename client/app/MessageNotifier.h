#pragma once

#include "protocol/ChatMessage.h"

#include <QObject>
#include <functional>

namespace presently {

class ClientSession;

// Decides which incoming messages become a desktop notification: none in do-not-disturb, none
// for the chat in view, none when the user turned them off. Several unread messages from one
// contact make one notification with their count ("bob (3 new messages)"); the contact of the
// last one is remembered, so clicking it opens that chat.
class MessageNotifier : public QObject {
    Q_OBJECT
public:
    explicit MessageNotifier(ClientSession *session, QObject *parent = nullptr);

    void setEnabled(bool enabled) { m_enabled = enabled; }
    void setSound(bool sound) { m_sound = sound; }
    // Whether `peer`'s chat is in front of the user now.
    void setInView(std::function<bool(const QString &peer)> inView) { m_inView = std::move(inView); }
    const QString &lastPeer() const { return m_lastPeer; }

Q_SIGNALS:
    void notify(const QString &title, const QString &text);

private:
    void onMessage(const ChatMessage &message);

    ClientSession *m_session;
    std::function<bool(const QString &)> m_inView;
    QString m_lastPeer;
    bool m_enabled = true;
    bool m_sound = false;
};

} // namespace presently
