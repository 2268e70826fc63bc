#include "app/MessageNotifier.h"

#include "core/ClientSession.h"

#include <QApplication>

namespace presently {

MessageNotifier::MessageNotifier(ClientSession *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_inView([](const QString &) { return false; })
{
    connect(session, &ClientSession::messageReceived, this, &MessageNotifier::onMessage);
    connect(session, &ClientSession::accountCleared, this, [this] { m_lastPeer.clear(); });
}

void MessageNotifier::onMessage(const ChatMessage &message)
{
    const QString &peer = message.from;
    if (!m_enabled || m_session->ownMode() == Mode::Dnd || m_inView(peer))
        return;
    // The unread count is the group: one notification per contact, replaced as more arrive.
    const int unread = std::max(1, m_session->contacts()->unread(peer));
    const QString title = unread > 1 ? tr("%1 (%2 new messages)").arg(peer).arg(unread) : peer;
    m_lastPeer = peer;
    if (m_sound)
        QApplication::beep();
    Q_EMIT notify(title, message.body.left(200));
}

} // namespace presently
