#include "ui/SettingsDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QVBoxLayout>

namespace presently {

SettingsDialog::SettingsDialog(QWidget *parent)
    : QDialog(parent)
    , m_idleMinutes(new QSpinBox(this))
    , m_notifications(new QCheckBox(tr("Notify me of new messages (never in Do not disturb)"), this))
{
    setWindowTitle(tr("Presently settings"));
    m_idleMinutes->setRange(1, 120);
    m_idleMinutes->setSuffix(tr(" min"));
    auto *form = new QFormLayout;
    form->addRow(tr("Show me as idle after"), m_idleMinutes);
    form->addRow(QString(), m_notifications);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

void SettingsDialog::setIdleMinutes(int minutes)
{
    m_idleMinutes->setValue(minutes);
}
int SettingsDialog::idleMinutes() const
{
    return m_idleMinutes->value();
}
void SettingsDialog::setNotifications(bool on)
{
    m_notifications->setChecked(on);
}
bool SettingsDialog::notifications() const
{
    return m_notifications->isChecked();
}

} // namespace presently
