#include "app/AppController.h"

#include <QApplication>
#include <QCommandLineParser>
#include <cstdio>

int main(int argc, char *argv[])
{
    // Parsed before QApplication exists, so --version and --help work without a display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Presently: chat with live presence."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("server"), QStringLiteral("Server to sign in to."), QStringLiteral("URL")},
        {QStringLiteral("user"), QStringLiteral("User name to prefill."), QStringLiteral("NAME")},
        {QStringLiteral("profile"), QStringLiteral("Separate settings and keychain entry (run two side by side)."),
         QStringLiteral("NAME"), QStringLiteral("default")},
    });
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "%s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(version)) {
        std::printf("presently %s\n", PRESENTLY_VERSION);
        return 0;
    }
    if (parser.isSet(help)) {
        std::printf("%s", qPrintable(parser.helpText()));
        return 0;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("presently"));
    QApplication::setOrganizationName(QStringLiteral("Presently"));
    QApplication::setApplicationDisplayName(QStringLiteral("Presently"));
    QApplication::setApplicationVersion(QStringLiteral(PRESENTLY_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.presently.Presently"));

    presently::ClientOptions options;
    options.profile = parser.value(QStringLiteral("profile"));
    options.server = parser.value(QStringLiteral("server"));
    options.user = parser.value(QStringLiteral("user"));
    presently::AppController controller(options);
    controller.start();
    return app.exec();
}
