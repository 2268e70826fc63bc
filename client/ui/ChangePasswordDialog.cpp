#include "ui/ChangePasswordDialog.h"

#include "ui/PaletteColors.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace presently {

namespace {
constexpr int kMinimumChars = 8; // the protocol's limit
} // namespace

ChangePasswordDialog::ChangePasswordDialog(QWidget *parent)
    : QDialog(parent)
    , m_current(new QLineEdit(this))
    , m_new(new QLineEdit(this))
    , m_repeat(new QLineEdit(this))
    , m_problem(new QLabel(this))
{
    setWindowTitle(tr("Change password"));
    for (QLineEdit *field : {m_current, m_new, m_repeat}) {
        field->setEchoMode(QLineEdit::Password);
        connect(field, &QLineEdit::textChanged, this, &ChangePasswordDialog::check);
    }
    m_current->setAccessibleName(tr("Current password"));
    m_new->setAccessibleName(tr("New password"));
    m_repeat->setAccessibleName(tr("New password again"));
    m_problem->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Current password"), m_current);
    form->addRow(tr("New password"), m_new);
    form->addRow(tr("Again"), m_repeat);
    auto *note = new QLabel(tr("Your other devices will be signed out; sign in there with the new password."), this);
    note->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_change = buttons->addButton(tr("Change password"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(note);
    layout->addWidget(buttons);
    setMinimumWidth(380);
    check();
}

QString ChangePasswordDialog::currentPassword() const
{
    return m_current->text();
}

QString ChangePasswordDialog::newPassword() const
{
    return m_new->text();
}

void ChangePasswordDialog::check()
{
    QString problem;
    if (!m_new->text().isEmpty() && m_new->text().size() < kMinimumChars)
        problem = tr("The new password needs at least %1 characters.").arg(kMinimumChars);
    else if (!m_repeat->text().isEmpty() && m_repeat->text() != m_new->text())
        problem = tr("The two new passwords differ.");
    m_problem->setText(problem);
    QPalette palette = m_problem->palette();
    palette.setColor(QPalette::WindowText, PaletteColors::errorText(palette));
    m_problem->setPalette(palette);
    m_change->setEnabled(problem.isEmpty() && !m_current->text().isEmpty() && m_new->text().size() >= kMinimumChars &&
                         m_repeat->text() == m_new->text());
}

} // namespace presently
