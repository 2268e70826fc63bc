#pragma once

#include <QMainWindow>

class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QToolButton;
class QTimer;

namespace presently {

class ChatWidget;
class ClientSession;
class ContactSortFilterModel;

// Contacts on the left (own status on top, filter, requests), the conversation on the right,
// the connection state in the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(ClientSession *session, QWidget *parent = nullptr);

    ChatWidget *chat() const { return m_chat; }
    void openConversation(const QString &peer);
    // Closing hides to the tray when there is one (the session stays).
    void setHideOnClose(bool hide) { m_hideOnClose = hide; }

Q_SIGNALS:
    void signOutRequested();
    void settingsRequested();
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    // Data of a row in the requests list: whose request, and whether it is ours (outgoing).
    enum RequestRole { UserRole = Qt::UserRole + 1, OutgoingRole };

    void updateOwnStatus();
    void updateConnectionState();
    void updateRequests();
    void promptAddContact();
    void promptStatusText();

    ClientSession *m_session;
    ContactSortFilterModel *m_sorted;
    QLabel *m_ownDot;
    QLabel *m_ownName;
    QToolButton *m_statusButton;
    QLineEdit *m_filter;
    QListView *m_contacts;
    QListWidget *m_requests;
    QLabel *m_requestsTitle;
    ChatWidget *m_chat;
    QLabel *m_connection;
    QTimer *m_connectionTimer;
    bool m_hideOnClose = false;
};

} // namespace presently
