#include "ui/SettingsDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace presently {

SettingsDialog::SettingsDialog(QWidget *parent)
    : QDialog(parent)
    , m_server(new QLineEdit(this))
    , m_idleMinutes(new QSpinBox(this))
    , m_notifications(new QCheckBox(tr("Notify me of new messages (never in Do not disturb)"), this))
    , m_sound(new QCheckBox(tr("With a sound"), this))
    , m_startAtLogin(new QCheckBox(tr("Start Presently when I log in"), this))
    , m_theme(new QComboBox(this))
{
    setWindowTitle(tr("Presently settings"));
    m_server->setToolTip(tr("Changing the server signs you out; you sign in there next."));
    m_idleMinutes->setRange(1, 120);
    m_idleMinutes->setSuffix(tr(" min"));
    m_theme->addItem(tr("Like the system"), static_cast<int>(Theme::System));
    m_theme->addItem(tr("Light"), static_cast<int>(Theme::Light));
    m_theme->addItem(tr("Dark"), static_cast<int>(Theme::Dark));
    connect(m_notifications, &QCheckBox::toggled, m_sound, &QWidget::setEnabled);

    auto *form = new QFormLayout;
    form->addRow(tr("Server"), m_server);
    form->addRow(tr("Show me as idle after"), m_idleMinutes);
    form->addRow(QString(), m_notifications);
    form->addRow(QString(), m_sound);
    form->addRow(QString(), m_startAtLogin);
    form->addRow(tr("Theme"), m_theme);
    auto *account = new QHBoxLayout;
    auto *changePassword = new QPushButton(tr("Change password…"), this);
    auto *everywhere = new QPushButton(tr("Sign out everywhere…"), this);
    everywhere->setToolTip(
        tr("Ends every session of your account, on every device (a lost phone, a shared computer)."));
    account->addWidget(changePassword);
    account->addWidget(everywhere);
    account->addStretch();
    form->addRow(tr("Account"), account);
    connect(changePassword, &QPushButton::clicked, this, [this] {
        reject();
        Q_EMIT changePasswordRequested();
    });
    connect(everywhere, &QPushButton::clicked, this, [this] {
        reject();
        Q_EMIT signOutEverywhereRequested();
    });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    QPushButton *signOut = buttons->addButton(tr("Sign out"), QDialogButtonBox::DestructiveRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(signOut, &QPushButton::clicked, this, [this] {
        reject();
        Q_EMIT signOutRequested();
    });
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    setMinimumWidth(420);
}

void SettingsDialog::setValues(const Values &values)
{
    m_server->setText(values.server);
    m_idleMinutes->setValue(values.idleMinutes);
    m_notifications->setChecked(values.notifications);
    m_sound->setChecked(values.sound);
    m_sound->setEnabled(values.notifications);
    m_startAtLogin->setChecked(values.startAtLogin);
    m_theme->setCurrentIndex(m_theme->findData(static_cast<int>(values.theme)));
}

SettingsDialog::Values SettingsDialog::values() const
{
    Values v;
    v.server = m_server->text().trimmed();
    v.idleMinutes = m_idleMinutes->value();
    v.notifications = m_notifications->isChecked();
    v.sound = m_sound->isChecked();
    v.startAtLogin = m_startAtLogin->isChecked();
    v.theme = static_cast<Theme>(m_theme->currentData().toInt());
    return v;
}

void SettingsDialog::setStartAtLoginAvailable(bool available)
{
    m_startAtLogin->setEnabled(available);
    if (!available)
        m_startAtLogin->setToolTip(tr("This system offers no way to start programs at login."));
}

} // namespace presently
