#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace presently {

// The current password and a new one, typed twice. The server checks the current one; every
// other device is then signed out.
class ChangePasswordDialog : public QDialog {
    Q_OBJECT
public:
    explicit ChangePasswordDialog(QWidget *parent = nullptr);

    QString currentPassword() const;
    QString newPassword() const;

private:
    void check();

    QLineEdit *m_current;
    QLineEdit *m_new;
    QLineEdit *m_repeat;
    QLabel *m_problem;
    QPushButton *m_change;
};

} // namespace presently
