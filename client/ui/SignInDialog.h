#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace presently {

// Server address, user name, password, "keep me signed in", and sign in or create an account.
class SignInDialog : public QDialog {
    Q_OBJECT
public:
    explicit SignInDialog(QWidget *parent = nullptr);

    void setServer(const QString &url);
    void setUser(const QString &user);
    void setKeepSignedIn(bool keep);
    void setKeychainAvailable(bool available);
    void showError(const QString &message);
    void setBusy(bool busy);

    QString server() const;
    QString user() const;
    QString password() const;
    bool keepSignedIn() const;
    bool createAccount() const { return m_create; }

Q_SIGNALS:
    void signInRequested();

private:
    void submit(bool create);

    QLineEdit *m_server;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QCheckBox *m_keep;
    QLabel *m_error;
    QPushButton *m_signIn;
    QPushButton *m_register;
    bool m_create = false;
};

} // namespace presently
