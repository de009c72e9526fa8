// SPDX-License-Identifier: Apache-2.0
// A dialog asking for the fields of something new (an API key, a share link):
// the form, a line saying why the store refused the last try, and an OK button
// named for the action beside Cancel. OK emits submitted(); the panel acts on the
// fields and closes the dialog on success, or calls showError() and the dialog
// stays open.
#pragma once

#include <QDialog>

class QLabel;
class QVBoxLayout;

namespace wfx::ui {

class FormDialog : public QDialog
{
    Q_OBJECT
public:
    // Shows why the store refused the fields; the dialog stays open.
    void showError(const QString &text);

signals:
    void submitted();

protected:
    explicit FormDialog(QWidget *parent) : QDialog(parent) {}
    // Adds the error line (hidden until showError) and the buttons to `layout`,
    // below the form; the object names let tests find them.
    void addErrorAndButtons(QVBoxLayout *layout, const QString &errorName, const QString &okText,
                            const QString &okName);

private:
    QLabel *m_error = nullptr;
};

} // namespace wfx::ui
