#include "app/AppController.h"
#include "core/TrustedCertificates.h"

#include <QApplication>
#include <QCommandLineParser>
#include <cstdio>

namespace {

// Our options; Qt's own (-style, -platform, -reverse, …) are taken by QApplication first.
void describe(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral("Presently: chat with live presence."));
    parser.addOptions({
        {QStringLiteral("server"), QStringLiteral("Server to sign in to."), QStringLiteral("URL")},
        {QStringLiteral("user"), QStringLiteral("User name to prefill."), QStringLiteral("NAME")},
        {QStringLiteral("profile"), QStringLiteral("Separate settings and keychain entry (run two side by side)."),
         QStringLiteral("NAME"), QStringLiteral("default")},
        {QStringLiteral("ca-file"),
         QStringLiteral("Also trust servers whose certificate this CA signed (PEM), besides the system's CAs."),
         QStringLiteral("PATH")},
    });
}

bool asksForHelpOrVersion(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "-h" || arg == "-?" || arg == "--help" || arg == "--help-all" || arg == "-v" || arg == "--version")
            return true;
    }
    return false;
}

void nameApplication()
{
    QApplication::setApplicationName(QStringLiteral("presently"));
    QApplication::setOrganizationName(QStringLiteral("Presently"));
    QApplication::setApplicationDisplayName(QStringLiteral("Presently"));
    QApplication::setApplicationVersion(QStringLiteral(PRESENTLY_VERSION));
}

} // namespace

int main(int argc, char *argv[])
{
    // --help, --help-all (with Qt's options) and --version work without a display.
    if (asksForHelpOrVersion(argc, argv) && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    nameApplication();
    QApplication::setDesktopFileName(QStringLiteral("io.presently.Presently"));

    QCommandLineParser parser;
    describe(parser);
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "%s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(version) || parser.isSet(help) || parser.isSet(QStringLiteral("help-all")))
        parser.process(app); // prints and exits with status 0

    if (parser.isSet(QStringLiteral("ca-file"))) {
        QString error;
        if (!presently::TrustedCertificates::addCaFile(parser.value(QStringLiteral("ca-file")), &error)) {
            std::fprintf(stderr, "--ca-file: %s\n", qPrintable(error));
            return 2;
        }
    }

    presently::ClientOptions options;
    options.profile = parser.value(QStringLiteral("profile"));
    options.server = parser.value(QStringLiteral("server"));
    options.user = parser.value(QStringLiteral("user"));
    presently::AppController controller(options);
    QObject::connect(&controller, &presently::AppController::finished, &app, [] { QCoreApplication::exit(0); });
    controller.start();
    return app.exec();
}
