#include "ui/SignInDialog.h"

#include "protocol/Protocol.h"
#include "ui/PaletteColors.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace presently {

SignInDialog::SignInDialog(QWidget *parent)
    : QDialog(parent)
    , m_server(new QLineEdit(QStringLiteral("ws://127.0.0.1:8765"), this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_invite(new QLineEdit(this))
    , m_inviteLabel(new QLabel(tr("Invitation code"), this))
    , m_keep(new QCheckBox(tr("Keep me signed in"), this))
    , m_keepUnavailable(new QLabel(this))
    , m_error(new QLabel(this))
    , m_signIn(new QPushButton(tr("Sign in"), this))
    , m_register(new QPushButton(tr("Create account"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
{
    setWindowTitle(tr("Sign in to Presently"));
    m_password->setEchoMode(QLineEdit::Password);
    m_user->setPlaceholderText(tr("2–32 of a-z 0-9 . _ -"));
    m_password->setPlaceholderText(tr("at least 8 characters"));
    m_error->setObjectName(QStringLiteral("signInError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(PaletteColors::errorText(palette()).name()));
    m_error->hide();
    m_keep->setChecked(true);
    m_signIn->setDefault(true);

    auto *form = new QFormLayout;
    form->addRow(tr("Server"), m_server);
    form->addRow(tr("User name"), m_user);
    form->addRow(tr("Password"), m_password);
    form->addRow(m_inviteLabel, m_invite);
    m_invite->setObjectName(QStringLiteral("inviteCode"));
    m_invite->setPlaceholderText(tr("from the server's admin"));
    m_invite->hide();
    m_inviteLabel->hide();
    form->addRow(QString(), m_keep);
    form->addRow(QString(), m_keepUnavailable);
    m_keepUnavailable->setObjectName(QStringLiteral("keychainNote"));
    m_keepUnavailable->setWordWrap(true);
    m_keepUnavailable->setForegroundRole(QPalette::PlaceholderText);
    m_keepUnavailable->hide();
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_register);
    buttons->addStretch();
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_signIn);
    m_cancel->hide();
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(tr("<h2>Presently</h2><p>See who is there.</p>"), this);
    layout->addWidget(title);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
    setMinimumWidth(380);

    connect(m_signIn, &QPushButton::clicked, this, [this] { submit(false); });
    connect(m_register, &QPushButton::clicked, this, [this] { submit(true); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        setBusy(false);
        Q_EMIT cancelRequested();
    });
}

void SignInDialog::submit(bool create)
{
    const QUrl url(m_server->text().trimmed());
    if (!url.isValid() || (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss"))) {
        showError(tr("The server address must start with ws:// or wss://"));
        return;
    }
    if (!normalizeUserName(m_user->text().trimmed())) {
        showError(tr("User names are 2 to 32 characters of a-z, 0-9, dot, underscore and dash."));
        return;
    }
    if (codePointCount(m_password->text()) < 8) {
        showError(tr("Passwords have at least 8 characters."));
        return;
    }
    if (!confirmUnencrypted(url))
        return;
    m_create = create;
    m_error->hide();
    Q_EMIT signInRequested();
}

QString SignInDialog::invite() const
{
    return m_invite->isHidden() ? QString() : m_invite->text().trimmed();
}

void SignInDialog::askForInvite(const QString &reason)
{
    m_inviteLabel->show();
    m_invite->show();
    m_invite->setFocus();
    showError(reason);
}

bool SignInDialog::confirmUnencrypted(const QUrl &url)
{
    // On this machine nothing travels; anywhere else ws:// sends the password in clear.
    const QHostAddress address(url.host());
    const bool local = url.host().compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 ||
                       (!address.isNull() && address.isLoopback());
    if (url.scheme() != QLatin1String("ws") || local)
        return true;
    QMessageBox ask(QMessageBox::Warning, tr("Not encrypted"),
                    tr("The connection to %1 would not be encrypted (ws://): your password and messages could be "
                       "read or changed on the way. Use wss:// if the server offers it.")
                        .arg(url.host()),
                    QMessageBox::Cancel, this);
    ask.setObjectName(QStringLiteral("unencryptedWarning"));
    QPushButton *anyway = ask.addButton(tr("Sign in unencrypted"), QMessageBox::AcceptRole);
    ask.setDefaultButton(QMessageBox::Cancel);
    ask.exec();
    return ask.clickedButton() == anyway;
}

void SignInDialog::setServer(const QString &url)
{
    m_server->setText(url);
}
void SignInDialog::setUser(const QString &user)
{
    m_user->setText(user);
    if (!user.isEmpty())
        m_password->setFocus();
}
void SignInDialog::setKeepSignedIn(bool keep)
{
    m_keep->setChecked(keep);
}
void SignInDialog::setKeychainAvailable(bool available, const QString &why)
{
    m_keep->setEnabled(available);
    m_keep->setChecked(available);
    m_keepUnavailable->setVisible(!available);
    m_keepUnavailable->setText(
        available ? QString()
                  : tr("No system keychain answers, so Presently cannot remember you: you sign in each time."));
    // The keychain's own words (often long and technical) are a hover away.
    m_keepUnavailable->setToolTip(why);
    m_keep->setToolTip(available ? QString() : m_keepUnavailable->text());
    adjustSize(); // the note may arrive after the dialog is shown
}
void SignInDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
    setBusy(false);
}
void SignInDialog::setBusy(bool busy)
{
    m_busy = busy;
    m_signIn->setEnabled(!busy);
    m_register->setEnabled(!busy);
    m_signIn->setText(busy ? tr("Signing in…") : tr("Sign in"));
    m_cancel->setVisible(busy);
    if (!busy)
        m_signIn->setDefault(true);
}
QString SignInDialog::server() const
{
    return m_server->text().trimmed();
}
QString SignInDialog::user() const
{
    return m_user->text().trimmed().toLower();
}
QString SignInDialog::password() const
{
    return m_password->text();
}
bool SignInDialog::keepSignedIn() const
{
    return m_keep->isChecked();
}

} // namespace presently
