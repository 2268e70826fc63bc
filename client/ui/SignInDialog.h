#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QUrl;

namespace presently {

// Server address, user name, password, "keep me signed in", and sign in or create an account.
class SignInDialog : public QDialog {
    Q_OBJECT
public:
    explicit SignInDialog(QWidget *parent = nullptr);

    void setServer(const QString &url);
    void setUser(const QString &user);
    void setKeepSignedIn(bool keep);
    // Without a keychain "Keep me signed in" is off, and the dialog says why.
    void setKeychainAvailable(bool available, const QString &why = {});
    void showError(const QString &message);
    void setBusy(bool busy);
    bool isBusy() const { return m_busy; }

    QString server() const;
    QString user() const;
    QString password() const;
    bool keepSignedIn() const;
    bool createAccount() const { return m_create; }
    QString invite() const;
    // The server registers by invitation: the code's field shows, with `reason`.
    void askForInvite(const QString &reason);

Q_SIGNALS:
    void signInRequested();
    // The user gave up waiting for the server.
    void cancelRequested();

private:
    void submit(bool create);
    // ws:// to a host that is not this machine: says the password would travel in clear, and asks.
    bool confirmUnencrypted(const QUrl &url);

    QLineEdit *m_server;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_invite; // shown once a server asks for an invitation
    QLabel *m_inviteLabel;
    QCheckBox *m_keep;
    QLabel *m_keepUnavailable;
    QLabel *m_error;
    QPushButton *m_signIn;
    QPushButton *m_register;
    QPushButton *m_cancel; // only while signing in
    bool m_create = false;
    bool m_busy = false;
};

} // namespace presently
