#pragma once

#include <QWidget>

class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace presently {

class ClientSession;
class ConversationModel;

// One conversation: messages (older ones load as you scroll up), a typing line, and the input
// (Enter sends, Shift+Enter starts a new line).
class ChatWidget : public QWidget {
    Q_OBJECT
public:
    explicit ChatWidget(ClientSession *session, QWidget *parent = nullptr);

    void showConversation(const QString &peer);
    // Shows no conversation (signed out).
    void clear();
    const QString &peer() const { return m_peer; }
    // Sends read receipts when the conversation is really in view.
    void markReadIfVisible();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void send();
    void scrollToBottomIfNear(bool force);
    void updateLimit();
    // Retry or delete, for a message the server refused.
    void offerFailedMessageActions(const QPoint &at);

    ClientSession *m_session;
    QString m_peer;
    ConversationModel *m_model = nullptr;
    QLabel *m_title;
    QListView *m_view;
    QLabel *m_typing;
    QPlainTextEdit *m_input;
    QPushButton *m_sendButton;
    QLabel *m_limit; // characters left, near and past the server's limit
    QTimer *m_typingThrottle;
    bool m_stickToBottom = true;
    bool m_showingDraft = false; // the input is being filled from a draft, not typed
};

} // namespace presently
