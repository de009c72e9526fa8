<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>wfx::Words</name>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation>
            <numerusform>%n second</numerusform>
            <numerusform>%n seconds</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n minute</numerusform>
            <numerusform>%n minutes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n hour</numerusform>
            <numerusform>%n hours</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::ApiKeysPanel</name>
    <message numerus="yes">
        <source>%n live key(s)</source>
        <translation>
            <numerusform>%n live key</numerusform>
            <numerusform>%n live keys</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::AuditPanel</name>
    <message numerus="yes">
        <source>%n entry(s) shown, loading more…</source>
        <translation>
            <numerusform>%n entry shown, loading more…</numerusform>
            <numerusform>%n entries shown, loading more…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s), all shown</source>
        <translation>
            <numerusform>%n entry, all shown</numerusform>
            <numerusform>%n entries, all shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n entry shown, scroll for more</numerusform>
            <numerusform>%n entries shown, scroll for more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The chain is intact: %n entry(s) checked, each follows the one before and none was altered.</source>
        <translation>
            <numerusform>The chain is intact: %n entry checked, each follows the one before and none was altered.</numerusform>
            <numerusform>The chain is intact: %n entries checked, each follows the one before and none was altered.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Verification cancelled after %n entry(s); no verdict.</source>
        <translation>
            <numerusform>Verification cancelled after %n entry; no verdict.</numerusform>
            <numerusform>Verification cancelled after %n entries; no verdict.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The chain is broken. First bad entry: #%1 (%2). %n entry(s) before it are intact.</source>
        <translation>
            <numerusform>The chain is broken. First bad entry: #%1 (%2). %n entry before it is intact.</numerusform>
            <numerusform>The chain is broken. First bad entry: #%1 (%2). %n entries before it are intact.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n entry(s) to %1.</source>
        <translation>
            <numerusform>Exported %n entry to %1.</numerusform>
            <numerusform>Exported %n entries to %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::BillingPanel</name>
    <message numerus="yes">
        <source>%Ln run(s)</source>
        <translation>
            <numerusform>%Ln run</numerusform>
            <numerusform>%Ln runs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::FirstRunWizard</name>
    <message numerus="yes">
        <source>At least %n character(s).</source>
        <translation>
            <numerusform>At least %n character.</numerusform>
            <numerusform>At least %n characters.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The password needs at least %n character(s).</source>
        <translation>
            <numerusform>The password needs at least %n character.</numerusform>
            <numerusform>The password needs at least %n characters.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::MailPanel</name>
    <message numerus="yes">
        <source>%n message(s) shown</source>
        <translation>
            <numerusform>%n message shown</numerusform>
            <numerusform>%n messages shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::MetricChart</name>
    <message numerus="yes">
        <source>%n point(s) at or below zero left out: a log scale cannot show them.</source>
        <translation>
            <numerusform>%n point at or below zero left out: a log scale cannot show it.</numerusform>
            <numerusform>%n points at or below zero left out: a log scale cannot show them.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunCompareDialog</name>
    <message numerus="yes">
        <source>Compare %n run(s)</source>
        <translation>
            <numerusform>Compare %n run</numerusform>
            <numerusform>Compare %n runs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n metric(s) of %1 runs</source>
        <translation>
            <numerusform>%n metric of %1 runs</numerusform>
            <numerusform>%n metrics of %1 runs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunDetailsDialog</name>
    <message numerus="yes">
        <source>{%n key(s)}</source>
        <translation>
            <numerusform>{%n key}</numerusform>
            <numerusform>{%n keys}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>[%n item(s)]</source>
        <translation>
            <numerusform>[%n item]</numerusform>
            <numerusform>[%n items]</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunFilesTab</name>
    <message numerus="yes">
        <source>Showing the first %n artifact(s).</source>
        <translation>
            <numerusform>Showing the first %n artifact.</numerusform>
            <numerusform>Showing the first %n artifacts.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunsPanel</name>
    <message numerus="yes">
        <source>%n run(s) shown, loading more…</source>
        <translation>
            <numerusform>%n run shown, loading more…</numerusform>
            <numerusform>%n runs shown, loading more…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s), all shown</source>
        <translation>
            <numerusform>%n run, all shown</numerusform>
            <numerusform>%n runs, all shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n run shown, scroll for more</numerusform>
            <numerusform>%n runs shown, scroll for more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::SettingsPanel</name>
    <message numerus="yes">
        <source>Saved %n change(s). They apply at the next start of the console.</source>
        <translation>
            <numerusform>Saved %n change. They apply at the next start of the console.</numerusform>
            <numerusform>Saved %n changes. They apply at the next start of the console.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::SharesPanel</name>
    <message numerus="yes">
        <source>%n consent(s) for this share</source>
        <translation>
            <numerusform>%n consent for this share</numerusform>
            <numerusform>%n consents for this share</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n share(s) shown, loading more…</source>
        <translation>
            <numerusform>%n share shown, loading more…</numerusform>
            <numerusform>%n shares shown, loading more…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n share(s), all shown</source>
        <translation>
            <numerusform>%n share, all shown</numerusform>
            <numerusform>%n shares, all shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n share(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n share shown, scroll for more</numerusform>
            <numerusform>%n shares shown, scroll for more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::WorkspacesPanel</name>
    <message numerus="yes">
        <source>%n project(s)</source>
        <translation>
            <numerusform>%n project</numerusform>
            <numerusform>%n projects</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n run</numerusform>
            <numerusform>%n runs</numerusform>
        </translation>
    </message>
</context>
</TS>
