<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ErrorText</name>
    <message>
        <source>“%1” is required.</source>
        <translation>„%1“ ist erforderlich.</translation>
    </message>
    <message>
        <source>“%1” is too long.</source>
        <translation>„%1“ ist zu lang.</translation>
    </message>
    <message>
        <source>“%1” is too short.</source>
        <translation>„%1“ ist zu kurz.</translation>
    </message>
    <message>
        <source>“%1” is too large.</source>
        <translation>„%1“ ist zu groß.</translation>
    </message>
    <message>
        <source>“%1” is out of range.</source>
        <translation>„%1“ liegt außerhalb des zulässigen Bereichs.</translation>
    </message>
    <message>
        <source>“%1” lies in the past.</source>
        <translation>„%1“ liegt in der Vergangenheit.</translation>
    </message>
    <message>
        <source>“%1” is unknown.</source>
        <translation>„%1“ ist unbekannt.</translation>
    </message>
    <message>
        <source>“%1” is not valid.</source>
        <translation>„%1“ ist ungültig.</translation>
    </message>
    <message>
        <source>A value is not valid.</source>
        <translation>Ein Wert ist ungültig.</translation>
    </message>
    <message>
        <source>It no longer exists, or you may not see it.</source>
        <translation>Es existiert nicht mehr, oder Sie dürfen es nicht sehen.</translation>
    </message>
    <message>
        <source>It was changed or already exists; reload and try again.</source>
        <translation>Es wurde inzwischen geändert oder existiert bereits; laden Sie neu und versuchen Sie es noch einmal.</translation>
    </message>
    <message>
        <source>Your role does not allow this.</source>
        <translation>Ihre Rolle erlaubt das nicht.</translation>
    </message>
    <message>
        <source>The plan’s limit is reached.</source>
        <translation>Das Limit des Tarifs ist erreicht.</translation>
    </message>
    <message>
        <source>The credentials are not valid.</source>
        <translation>Die Anmeldedaten sind ungültig.</translation>
    </message>
    <message>
        <source>Sign in first.</source>
        <translation>Melden Sie sich zuerst an.</translation>
    </message>
    <message>
        <source>Too many attempts; wait a moment and try again.</source>
        <translation>Zu viele Versuche; warten Sie einen Moment und versuchen Sie es dann noch einmal.</translation>
    </message>
    <message>
        <source>This action is not supported here.</source>
        <translation>Diese Aktion wird hier nicht unterstützt.</translation>
    </message>
    <message>
        <source>The service is not available right now; try again later.</source>
        <translation>Der Dienst ist gerade nicht verfügbar; versuchen Sie es später noch einmal.</translation>
    </message>
    <message>
        <source>The signature is not valid.</source>
        <translation>Die Signatur ist ungültig.</translation>
    </message>
    <message>
        <source>An internal error occurred; the log has the details.</source>
        <translation>Ein interner Fehler ist aufgetreten; Einzelheiten stehen im Protokoll.</translation>
    </message>
    <message>
        <source>The data is too large.</source>
        <translation>Die Daten sind zu groß.</translation>
    </message>
    <message>
        <source>The action failed (%1).</source>
        <translation>Die Aktion ist fehlgeschlagen (%1).</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>wfx::Config</name>
    <message>
        <source>must be a whole number from %1 to %2</source>
        <translation>muss eine ganze Zahl von %1 bis %2 sein</translation>
    </message>
    <message>
        <source>must be true or false</source>
        <translation>muss true oder false sein</translation>
    </message>
    <message>
        <source>Listen address (an IP address).</source>
        <translation>Adresse, auf der der Server lauscht (eine IP-Adresse).</translation>
    </message>
    <message>
        <source>is not an IP address</source>
        <translation>ist keine IP-Adresse</translation>
    </message>
    <message>
        <source>TCP port; 0 picks a free one.</source>
        <translation>TCP-Port; 0 wählt einen freien.</translation>
    </message>
    <message>
        <source>Data folder (store, artifacts, TLS files, secrets fallback); empty: the platform data folder.</source>
        <translation>Datenordner (Datenspeicher, Artefakte, TLS-Dateien, Ersatzablage für Geheimnisse); leer: der Datenordner der Plattform.</translation>
    </message>
    <message>
        <source>sqlite: (store.db in the data folder), sqlite:/path.db, or postgresql://user:pass@host:port/db.</source>
        <translation>sqlite: (store.db im Datenordner), sqlite:/pfad.db oder postgresql://benutzer:passwort@host:port/db.</translation>
    </message>
    <message>
        <source>Host names besides loopback the server answers for (comma separated).</source>
        <translation>Hostnamen außer Loopback, für die der Server antwortet (durch Kommas getrennt).</translation>
    </message>
    <message>
        <source>Serving threads.</source>
        <translation>Threads, die Anfragen bedienen.</translation>
    </message>
    <message>
        <source>Largest JSON request body.</source>
        <translation>Größter JSON-Anfragekörper.</translation>
    </message>
    <message>
        <source>Artifact upload part size.</source>
        <translation>Teilgröße beim Hochladen von Artefakten.</translation>
    </message>
    <message>
        <source>Public share reads per client and minute.</source>
        <translation>Öffentliche Freigabe-Lesezugriffe je Client und Minute.</translation>
    </message>
    <message>
        <source>Wrong share passwords per client before 429.</source>
        <translation>Falsche Freigabepasswörter je Client vor 429.</translation>
    </message>
    <message>
        <source>Metric points one run may hold in all its syncs together.</source>
        <translation>Metrikpunkte, die ein Lauf über alle Synchronisierungen zusammen halten darf.</translation>
    </message>
    <message>
        <source>Bytes of log one run may hold in all its syncs together.</source>
        <translation>Bytes an Protokoll, die ein Lauf über alle Synchronisierungen zusammen halten darf.</translation>
    </message>
    <message>
        <source>Stripe webhook signing secret (whsec_...).</source>
        <translation>Stripe-Signaturgeheimnis für Webhooks (whsec_...).</translation>
    </message>
    <message>
        <source>Command that sends a mail read from stdin; empty: mails stay in the outbox.</source>
        <translation>Befehl, der eine von stdin gelesene E-Mail versendet; leer: E-Mails bleiben im Postausgang.</translation>
    </message>
    <message>
        <source>Stripe secret key; empty: the offline billing provider.</source>
        <translation>Geheimer Stripe-Schlüssel; leer: der Offline-Abrechnungsanbieter.</translation>
    </message>
    <message>
        <source>Stripe API base URL.</source>
        <translation>Basis-URL der Stripe-API.</translation>
    </message>
    <message>
        <source>Stripe price id per plan, e.g. pro=price_1,team=price_2.</source>
        <translation>Stripe-Preis-ID je Tarif, z. B. pro=price_1,team=price_2.</translation>
    </message>
    <message>
        <source>must be plan=price pairs separated by commas</source>
        <translation>muss aus durch Kommas getrennten Paaren tarif=preis bestehen</translation>
    </message>
    <message>
        <source>Serve the end-to-end test fixtures routes.</source>
        <translation>Die Routen der End-to-End-Testdaten bereitstellen.</translation>
    </message>
    <message>
        <source>Mark the instance as staging.</source>
        <translation>Die Instanz als Staging kennzeichnen.</translation>
    </message>
    <message>
        <source>TLS certificate chain (PEM); with --tls-key serves https.</source>
        <translation>TLS-Zertifikatskette (PEM); mit --tls-key wird https bereitgestellt.</translation>
    </message>
    <message>
        <source>TLS private key (PEM).</source>
        <translation>Privater TLS-Schlüssel (PEM).</translation>
    </message>
    <message>
        <source>Serve https with a self-signed certificate kept in the data folder (tls/).</source>
        <translation>https mit einem selbstsignierten Zertifikat bereitstellen, das im Datenordner liegt (tls/).</translation>
    </message>
    <message>
        <source>Log lines as plain text or one JSON object per line.</source>
        <translation>Protokollzeilen als reiner Text oder als ein JSON-Objekt pro Zeile.</translation>
    </message>
    <message>
        <source>must be plain or json</source>
        <translation>muss plain oder json sein</translation>
    </message>
    <message>
        <source>Subnets besides loopback that may read /metrics (comma separated, e.g. 10.0.0.0/8).</source>
        <translation>Subnetze außer Loopback, die /metrics lesen dürfen (durch Kommas getrennt, z. B. 10.0.0.0/8).</translation>
    </message>
    <message>
        <source>has %1, which is not a subnet</source>
        <translation>enthält %1, das kein Subnetz ist</translation>
    </message>
    <message>
        <source>Language of the console window (en, de, ...); empty: the system language.</source>
        <translation>Sprache des Konsolenfensters (en, de, ...); leer: die Systemsprache.</translation>
    </message>
    <message>
        <source>must be one of %1, or empty for the system language</source>
        <translation>muss einer der Werte %1 sein oder leer für die Systemsprache</translation>
    </message>
    <message>
        <source>Load balancers or reverse proxies in front of the server (comma separated subnets). Only from these peers is the client address taken from Forwarded / X-Forwarded-For (the rightmost address that is not itself a trusted proxy); rate limits, lockouts, the access log and audit entries use it.</source>
        <translation>Load Balancer oder Reverse Proxies vor dem Server (kommagetrennte Subnetze). Nur bei diesen Gegenstellen wird die Client-Adresse aus Forwarded / X-Forwarded-For übernommen (die am weitesten rechts stehende Adresse, die nicht selbst ein vertrauenswürdiger Proxy ist); Ratenbegrenzungen, Sperren, das Zugriffsprotokoll und Audit-Einträge verwenden sie.</translation>
    </message>
</context>
<context>
    <name>wfx::ConfigSettingsBackend</name>
    <message>
        <source>no secret store</source>
        <translation>keinem Geheimnisspeicher</translation>
    </message>
    <message>
        <source>the OS keychain</source>
        <translation>dem Schlüsselbund des Betriebssystems</translation>
    </message>
    <message>
        <source>the secrets file %1 (no OS keychain answered)</source>
        <translation>der Geheimnisdatei %1 (kein Schlüsselbund des Betriebssystems hat geantwortet)</translation>
    </message>
</context>
<context>
    <name>wfx::Words</name>
    <message>
        <source>an email address</source>
        <translation>eine E-Mail-Adresse</translation>
    </message>
    <message>
        <source>a wfx_ API key</source>
        <translation>ein wfx_-API-Schlüssel</translation>
    </message>
    <message>
        <source>the public payload policy itself is invalid: %1</source>
        <translation>die Richtlinie für öffentliche Inhalte selbst ist ungültig: %1</translation>
    </message>
    <message>
        <source>its name looks like a secret (matches &quot;%1&quot;)</source>
        <translation>sein Name sieht nach einem Geheimnis aus (passt auf „%1“)</translation>
    </message>
    <message>
        <source>its name looks like %1</source>
        <translation>sein Name sieht aus wie %1</translation>
    </message>
    <message>
        <source>its value looks like %1</source>
        <translation>sein Wert sieht aus wie %1</translation>
    </message>
    <message>
        <source>it is nested too deeply to be judged</source>
        <translation>es ist zu tief verschachtelt, um beurteilt zu werden</translation>
    </message>
    <message>
        <source>the shared run no longer exists</source>
        <translation>der freigegebene Lauf existiert nicht mehr</translation>
    </message>
    <message>
        <source>the run&apos;s signature does not verify against its manifest (evidence unverified)</source>
        <translation>die Signatur des Laufs passt nicht zu seinem Manifest (Nachweis nicht verifiziert)</translation>
    </message>
    <message>
        <source>the shared artifact was deleted</source>
        <translation>das freigegebene Artefakt wurde gelöscht</translation>
    </message>
    <message>
        <source>the shared artifact belongs to another run, which this share does not make public</source>
        <translation>das freigegebene Artefakt gehört zu einem anderen Lauf, den diese Freigabe nicht öffentlich macht</translation>
    </message>
    <message>
        <source>the shared artifact %1 is %2, not committed</source>
        <translation>das freigegebene Artefakt %1 ist %2, nicht festgeschrieben</translation>
    </message>
    <message>
        <source>field %1 breaks the public payload policy: %2</source>
        <translation>Feld %1 verstößt gegen die Richtlinie für öffentliche Inhalte: %2</translation>
    </message>
    <message>
        <source>the share is active and its snapshot may be shown</source>
        <translation>die Freigabe ist aktiv und ihr Snapshot darf gezeigt werden</translation>
    </message>
    <message>
        <source>No client address given: the read budget and the password lock were not checked.</source>
        <translation>Keine Client-Adresse angegeben: Lesebudget und Passwortsperre wurden nicht geprüft.</translation>
    </message>
    <message>
        <source>%1 has used all %2 reads of the last window; the next read is allowed in %3</source>
        <translation>%1 hat alle %2 Lesezugriffe des letzten Zeitfensters verbraucht; der nächste ist in %3 erlaubt</translation>
    </message>
    <message>
        <source>%1 has used all %2 reads of the last window for tokens that match no share; the next read is allowed in %3</source>
        <translation>%1 hat alle %2 Lesezugriffe des letzten Zeitfensters für Tokens ohne passende Freigabe verbraucht; der nächste ist in %3 erlaubt</translation>
    </message>
    <message>
        <source>%1 has %2 of %3 reads left in the last window.</source>
        <translation>%1 hat im letzten Zeitfenster noch %2 von %3 Lesezugriffen übrig.</translation>
    </message>
    <message>
        <source>the token is malformed: a share token is %1 followed by 43 base64url characters</source>
        <translation>das Token ist fehlerhaft: ein Freigabe-Token besteht aus %1 und 43 base64url-Zeichen</translation>
    </message>
    <message>
        <source>no share in your workspaces matches this token or id</source>
        <translation>keine Freigabe in Ihren Workspaces passt zu diesem Token oder dieser ID</translation>
    </message>
    <message>
        <source>revoked %1 ago, at %2</source>
        <translation>vor %1 widerrufen, am %2</translation>
    </message>
    <message>
        <source>expired %1 ago, at %2</source>
        <translation>vor %1 abgelaufen, am %2</translation>
    </message>
    <message>
        <source>locked for %1 until %2 (in %3) after %4 wrong passwords</source>
        <translation>für %1 gesperrt bis %2 (in %3) nach %4 falschen Passwörtern</translation>
    </message>
    <message>
        <source>the share has a password; a reader who sends none gets 401, a wrong one 401, and %1 wrong ones within %2 lock it for that reader for %3</source>
        <translation>die Freigabe hat ein Passwort; wer keines sendet, erhält 401, wer ein falsches sendet, ebenfalls 401, und %1 falsche innerhalb von %2 sperren sie für diesen Leser für %3</translation>
    </message>
    <message>
        <source>Expires in %1, at %2.</source>
        <translation>Läuft in %1 ab, am %2.</translation>
    </message>
    <message>
        <source>Once the read window ends it answers %1: %2.</source>
        <translation>Sobald das Lesefenster endet, antwortet sie mit %1: %2.</translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation>
            <numerusform>%n Sekunde</numerusform>
            <numerusform>%n Sekunden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n Minute</numerusform>
            <numerusform>%n Minuten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n Stunde</numerusform>
            <numerusform>%n Stunden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n Tag</numerusform>
            <numerusform>%n Tagen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::ApiKeysModel</name>
    <message>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <source>All of the user&apos;s workspaces</source>
        <translation>Alle Arbeitsbereiche des Benutzers</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>The start of the secret; the secret itself is not stored</source>
        <translation>Der Anfang des Geheimnisses; das Geheimnis selbst wird nicht gespeichert</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Geltungsbereich</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Zuletzt verwendet</translation>
    </message>
</context>
<context>
    <name>wfx::ui::ApiKeysPanel</name>
    <message>
        <source>API keys</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>&amp;Benutzer:</translation>
    </message>
    <message>
        <source>&amp;Issue key…</source>
        <translation>Schlüssel &amp;ausstellen…</translation>
    </message>
    <message>
        <source>R&amp;otate…</source>
        <translation>&amp;Erneuern…</translation>
    </message>
    <message>
        <source>A new secret for the selected key; the old one stops working at once</source>
        <translation>Ein neues Geheimnis für den ausgewählten Schlüssel; das alte ist sofort ungültig</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>&amp;Widerrufen…</translation>
    </message>
    <message>
        <source>API keys of the user</source>
        <translation>API-Schlüssel des Benutzers</translation>
    </message>
    <message>
        <source>Secrets are shown once, when a key is issued or rotated; only their hash is stored. Revoked keys are not listed.</source>
        <translation>Geheimnisse werden nur einmal angezeigt, wenn ein Schlüssel ausgestellt oder erneuert wird; gespeichert wird nur ihr Hash. Widerrufene Schlüssel werden nicht aufgeführt.</translation>
    </message>
    <message>
        <source>Cannot list users: %1</source>
        <translation>Benutzer können nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>%1 (administrator)</source>
        <translation>%1 (Administrator)</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Geheimnis</translation>
    </message>
    <message>
        <source>Cannot issue the key: %1</source>
        <translation>Der Schlüssel kann nicht ausgestellt werden: %1</translation>
    </message>
    <message>
        <source>API key issued</source>
        <translation>API-Schlüssel ausgestellt</translation>
    </message>
    <message>
        <source>The secret of “%1”. Use it as “Authorization: Bearer &lt;secret&gt;”.</source>
        <translation>Das Geheimnis von „%1“. Verwenden Sie es als „Authorization: Bearer &lt;Geheimnis&gt;“.</translation>
    </message>
    <message>
        <source>Key “%1” issued.</source>
        <translation>Schlüssel „%1“ ausgestellt.</translation>
    </message>
    <message>
        <source>Rotate key</source>
        <translation>Schlüssel erneuern</translation>
    </message>
    <message>
        <source>Rotate the key “%1” (%2…)? The current secret stops working at once.</source>
        <translation>Den Schlüssel „%1“ (%2…) erneuern? Das aktuelle Geheimnis ist sofort ungültig.</translation>
    </message>
    <message>
        <source>Rotate</source>
        <translation>Erneuern</translation>
    </message>
    <message>
        <source>API key rotated</source>
        <translation>API-Schlüssel erneuert</translation>
    </message>
    <message>
        <source>The new secret of “%1”; the old one no longer works.</source>
        <translation>Das neue Geheimnis von „%1“; das alte ist nicht mehr gültig.</translation>
    </message>
    <message>
        <source>Key “%1” rotated.</source>
        <translation>Schlüssel „%1“ erneuert.</translation>
    </message>
    <message>
        <source>Revoke key</source>
        <translation>Schlüssel widerrufen</translation>
    </message>
    <message>
        <source>Revoke the key “%1” (%2…)? Programs using it are refused from now on. This cannot be undone.</source>
        <translation>Den Schlüssel „%1“ (%2…) widerrufen? Programme, die ihn verwenden, werden ab sofort abgewiesen. Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Key “%1” revoked.</source>
        <translation>Schlüssel „%1“ widerrufen.</translation>
    </message>
    <message>
        <source>Cannot load keys: %1</source>
        <translation>Schlüssel können nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>This user has no live keys.</source>
        <translation>Dieser Benutzer hat keine gültigen Schlüssel.</translation>
    </message>
    <message numerus="yes">
        <source>%n live key(s)</source>
        <translation>
            <numerusform>%n gültiger Schlüssel</numerusform>
            <numerusform>%n gültige Schlüssel</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot rotate</source>
        <translation>Rotieren nicht möglich</translation>
    </message>
    <message>
        <source>Cannot revoke</source>
        <translation>Widerrufen nicht möglich</translation>
    </message>
</context>
<context>
    <name>wfx::ui::AuditModel</name>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>Entry %1, hash %2</source>
        <translation>Eintrag %1, Hash %2</translation>
    </message>
    <message>
        <source>From %1</source>
        <translation>Von %1</translation>
    </message>
    <message>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Akteur</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>Arbeitsbereich</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>wfx::ui::AuditPanel</name>
    <message>
        <source>Audit log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <source>Actor filter</source>
        <translation>Filter nach Akteur</translation>
    </message>
    <message>
        <source>Any actor</source>
        <translation>Alle Akteure</translation>
    </message>
    <message>
        <source>Action filter</source>
        <translation>Filter nach Aktion</translation>
    </message>
    <message>
        <source>Any action</source>
        <translation>Alle Aktionen</translation>
    </message>
    <message>
        <source>Target type filter</source>
        <translation>Filter nach Zieltyp</translation>
    </message>
    <message>
        <source>Target type</source>
        <translation>Zieltyp</translation>
    </message>
    <message>
        <source>Target id filter</source>
        <translation>Filter nach Ziel-ID</translation>
    </message>
    <message>
        <source>Target id</source>
        <translation>Ziel-ID</translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation>&amp;Von</translation>
    </message>
    <message>
        <source>Entries from</source>
        <translation>Einträge ab</translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation>&amp;Bis</translation>
    </message>
    <message>
        <source>Entries before</source>
        <translation>Einträge vor</translation>
    </message>
    <message>
        <source>&amp;Apply filter</source>
        <translation>Filter &amp;anwenden</translation>
    </message>
    <message>
        <source>&amp;Verify chain</source>
        <translation>Kette &amp;prüfen</translation>
    </message>
    <message>
        <source>Recompute every entry&apos;s hash and check that each follows the one before</source>
        <translation>Den Hash jedes Eintrags neu berechnen und prüfen, dass jeder auf den vorigen folgt</translation>
    </message>
    <message>
        <source>Export &amp;CSV…</source>
        <translation>&amp;CSV exportieren…</translation>
    </message>
    <message>
        <source>Export &amp;JSON…</source>
        <translation>&amp;JSON exportieren…</translation>
    </message>
    <message>
        <source>Write the entries of the current filter to a file</source>
        <translation>Die Einträge des aktuellen Filters in eine Datei schreiben</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Verification result</source>
        <translation>Prüfergebnis</translation>
    </message>
    <message>
        <source>Audit entries</source>
        <translation>Audit-Einträge</translation>
    </message>
    <message>
        <source>%1 entries</source>
        <translation>%1 Einträge</translation>
    </message>
    <message>
        <source>(%1)</source>
        <translation>(%1)</translation>
    </message>
    <message>
        <source>New entries were written; scroll to the top or apply the filter to see them.</source>
        <translation>Neue Einträge wurden geschrieben; scrollen Sie nach oben oder wenden Sie den Filter an, um sie zu sehen.</translation>
    </message>
    <message>
        <source>Export audit log</source>
        <translation>Audit-Protokoll exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <source>Cannot load the audit log: %1</source>
        <translation>Das Audit-Protokoll kann nicht geladen werden: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown, loading more…</source>
        <translation>
            <numerusform>%n Eintrag angezeigt, weitere werden geladen…</numerusform>
            <numerusform>%n Einträge angezeigt, weitere werden geladen…</numerusform>
        </translation>
    </message>
    <message>
        <source>No entries match.</source>
        <translation>Keine passenden Einträge.</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s), all shown</source>
        <translation>
            <numerusform>%n Eintrag, alle angezeigt</numerusform>
            <numerusform>%n Einträge, alle angezeigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n Eintrag angezeigt, scrollen Sie für weitere</numerusform>
            <numerusform>%n Einträge angezeigt, scrollen Sie für weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <source>Verifying the chain…</source>
        <translation>Kette wird geprüft…</translation>
    </message>
    <message numerus="yes">
        <source>The chain is intact: %n entry(s) checked, each follows the one before and none was altered.</source>
        <translation>
            <numerusform>Die Kette ist intakt: %n Eintrag geprüft, er folgt auf den vorigen und wurde nicht verändert.</numerusform>
            <numerusform>Die Kette ist intakt: %n Einträge geprüft, jeder folgt auf den vorigen und keiner wurde verändert.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Verification cancelled after %n entry(s); no verdict.</source>
        <translation>
            <numerusform>Prüfung nach %n Eintrag abgebrochen; kein Ergebnis.</numerusform>
            <numerusform>Prüfung nach %n Einträgen abgebrochen; kein Ergebnis.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The chain is broken. First bad entry: #%1 (%2). %n entry(s) before it are intact.</source>
        <translation>
            <numerusform>Die Kette ist unterbrochen. Erster fehlerhafter Eintrag: Nr. %1 (%2). %n Eintrag davor ist intakt.</numerusform>
            <numerusform>Die Kette ist unterbrochen. Erster fehlerhafter Eintrag: Nr. %1 (%2). %n Einträge davor sind intakt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Entry #%1 is “%2” by %3 at %4.</source>
        <translation>Eintrag Nr. %1 ist „%2“ von %3 am %4.</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Export nach %1…</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n entry(s) to %1.</source>
        <translation>
            <numerusform>%n Eintrag nach %1 exportiert.</numerusform>
            <numerusform>%n Einträge nach %1 exportiert.</numerusform>
        </translation>
    </message>
    <message>
        <source>Export cancelled; no file was written.</source>
        <translation>Export abgebrochen; es wurde keine Datei geschrieben.</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>wfx::ui::BillingPanel</name>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Artifact storage</source>
        <translation>Artefaktspeicher</translation>
    </message>
    <message>
        <source>Compute time</source>
        <translation>Rechenzeit</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 h</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>Abrechnung</translation>
    </message>
    <message>
        <source>&amp;Workspace:</source>
        <translation>&amp;Arbeitsbereich:</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>Arbeitsbereich</translation>
    </message>
    <message>
        <source>Change &amp;plan to:</source>
        <translation>&amp;Tarif wechseln zu:</translation>
    </message>
    <message>
        <source>Plan to check out</source>
        <translation>Zu buchender Tarif</translation>
    </message>
    <message>
        <source>Pro</source>
        <translation>Pro</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>&amp;Checkout…</source>
        <translation>&amp;Bezahlen…</translation>
    </message>
    <message>
        <source>Open the payment page for the chosen plan in the browser</source>
        <translation>Die Bezahlseite für den gewählten Tarif im Browser öffnen</translation>
    </message>
    <message>
        <source>Billing p&amp;ortal…</source>
        <translation>Abrechnungs&amp;portal…</translation>
    </message>
    <message>
        <source>Open the provider&apos;s page for invoices and payment methods</source>
        <translation>Die Seite des Anbieters für Rechnungen und Zahlungsmethoden öffnen</translation>
    </message>
    <message>
        <source>Usage against the plan&apos;s caps</source>
        <translation>Nutzung gemessen an den Obergrenzen des Tarifs</translation>
    </message>
    <message>
        <source>%1 used</source>
        <translation>%1 genutzt</translation>
    </message>
    <message>
        <source>Open reservations</source>
        <translation>Offene Reservierungen</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Messgröße</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Menge</translation>
    </message>
    <message>
        <source>Idempotency key</source>
        <translation>Idempotenzschlüssel</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>Reserviert</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Webhook events received (all workspaces)</source>
        <translation>Empfangene Webhook-Ereignisse (alle Arbeitsbereiche)</translation>
    </message>
    <message>
        <source>Webhook events</source>
        <translation>Webhook-Ereignisse</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>Angewendet</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Event id</source>
        <translation>Ereignis-ID</translation>
    </message>
    <message>
        <source>Cannot load billing: %1</source>
        <translation>Die Abrechnung kann nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Ja</translation>
    </message>
    <message>
        <source>No</source>
        <translation>Nein</translation>
    </message>
    <message>
        <source>A repeated delivery of an event already recorded</source>
        <translation>Eine wiederholte Zustellung eines bereits erfassten Ereignisses</translation>
    </message>
    <message>
        <source>No workspaces yet.</source>
        <translation>Noch keine Arbeitsbereiche.</translation>
    </message>
    <message>
        <source>Cannot load usage: %1</source>
        <translation>Die Nutzung kann nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>Plan: &lt;b&gt;%1&lt;/b&gt; (caps: %2)</source>
        <translation>Tarif: &lt;b&gt;%1&lt;/b&gt; (Obergrenzen: %2)</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>%1 used + %2 reserved of %3</source>
        <translation>%1 genutzt + %2 reserviert von %3</translation>
    </message>
    <message>
        <source>Opened the %1 page: %2</source>
        <translation>Die Seite „%1“ wurde geöffnet: %2</translation>
    </message>
    <message>
        <source>Cannot open a browser; open this address: %1</source>
        <translation>Es kann kein Browser geöffnet werden; öffnen Sie diese Adresse: %1</translation>
    </message>
    <message>
        <source>checkout</source>
        <translation>Bezahlen</translation>
    </message>
    <message>
        <source>billing portal</source>
        <translation>Abrechnungsportal</translation>
    </message>
    <message numerus="yes">
        <source>%Ln run(s)</source>
        <translation>
            <numerusform>%Ln Lauf</numerusform>
            <numerusform>%Ln Läufe</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of artifact storage</source>
        <translation>%1 Artefaktspeicher</translation>
    </message>
    <message>
        <source>%1 of compute time</source>
        <translation>%1 Rechenzeit</translation>
    </message>
    <message>
        <source>Cannot start a checkout</source>
        <translation>Der Bezahlvorgang kann nicht gestartet werden</translation>
    </message>
    <message>
        <source>Cannot open the billing portal</source>
        <translation>Das Abrechnungsportal kann nicht geöffnet werden</translation>
    </message>
</context>
<context>
    <name>wfx::ui::CreateShareDialog</name>
    <message>
        <source>New share link</source>
        <translation>Neuer Freigabelink</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Pick a recent run or paste a run id</source>
        <translation>Wählen Sie einen neueren Lauf oder fügen Sie eine Lauf-ID ein</translation>
    </message>
    <message>
        <source>&amp;Run:</source>
        <translation>&amp;Lauf:</translation>
    </message>
    <message>
        <source>Password (optional)</source>
        <translation>Passwort (optional)</translation>
    </message>
    <message>
        <source>Optional, at least %1 characters</source>
        <translation>Optional, mindestens %1 Zeichen</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <source>&amp;Expires</source>
        <translation>Lä&amp;uft ab</translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation>Ablauf</translation>
    </message>
    <message>
        <source>Artifact id (optional)</source>
        <translation>Artefakt-ID (optional)</translation>
    </message>
    <message>
        <source>Optional: share one artifact of the run</source>
        <translation>Optional: ein einzelnes Artefakt des Laufs freigeben</translation>
    </message>
    <message>
        <source>&amp;Artifact id:</source>
        <translation>&amp;Artefakt-ID:</translation>
    </message>
    <message>
        <source>Create link</source>
        <translation>Link erstellen</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>wfx::ui::DsarPanel</name>
    <message>
        <source>Export</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>Deletion</source>
        <translation>Löschung</translation>
    </message>
    <message>
        <source>Restriction</source>
        <translation>Einschränkung</translation>
    </message>
    <message>
        <source>Objection</source>
        <translation>Widerspruch</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>Geplant</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>In force</source>
        <translation>In Kraft</translation>
    </message>
    <message>
        <source>Lifted</source>
        <translation>Aufgehoben</translation>
    </message>
    <message>
        <source>DSAR requests</source>
        <translation>Betroffenenanfragen</translation>
    </message>
    <message>
        <source>Data-subject requests from every account: exports, scheduled deletions, restrictions of processing and objections.</source>
        <translation>Anfragen betroffener Personen aus allen Konten: Exporte, geplante Löschungen, Einschränkungen der Verarbeitung und Widersprüche.</translation>
    </message>
    <message>
        <source>Request queue</source>
        <translation>Anfragen-Warteschlange</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Fällig</translation>
    </message>
    <message>
        <source>Scheduled for</source>
        <translation>Geplant für</translation>
    </message>
    <message>
        <source>Cancel &amp;deletion…</source>
        <translation>Löschung &amp;abbrechen…</translation>
    </message>
    <message>
        <source>Carry out deletion &amp;now…</source>
        <translation>Löschung &amp;jetzt ausführen…</translation>
    </message>
    <message>
        <source>Delete the account and the workspaces it owns before the grace period ends</source>
        <translation>Das Konto und die Arbeitsbereiche, die ihm gehören, vor Ablauf der Karenzzeit löschen</translation>
    </message>
    <message>
        <source>&amp;Lift restriction</source>
        <translation>Einschränkung auf&amp;heben</translation>
    </message>
    <message>
        <source>E&amp;xport the data of:</source>
        <translation>Daten e&amp;xportieren von:</translation>
    </message>
    <message>
        <source>Person whose data to export</source>
        <translation>Person, deren Daten exportiert werden</translation>
    </message>
    <message>
        <source>&amp;Export to file…</source>
        <translation>In Datei &amp;exportieren…</translation>
    </message>
    <message>
        <source>Export progress</source>
        <translation>Exportfortschritt</translation>
    </message>
    <message>
        <source>Cancel export</source>
        <translation>Export abbrechen</translation>
    </message>
    <message>
        <source>Export personal data</source>
        <translation>Personenbezogene Daten exportieren</translation>
    </message>
    <message>
        <source>data-export-%1.json</source>
        <translation>datenexport-%1.json</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <source>Cannot list requests: %1</source>
        <translation>Anfragen können nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>%1 (account deleted)</source>
        <translation>%1 (Konto gelöscht)</translation>
    </message>
    <message>
        <source>Exporting the data of %1…</source>
        <translation>Die Daten von %1 werden exportiert…</translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation>%1 kann nicht geschrieben werden.</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written (the export request stays recorded).</source>
        <translation>Export abgebrochen; es wurde keine Datei geschrieben (die Exportanfrage bleibt erfasst).</translation>
    </message>
    <message>
        <source>Export of %1 failed: %2</source>
        <translation>Export von %1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Exported the data of %1 to %2 (%3).</source>
        <translation>Die Daten von %1 wurden nach %2 exportiert (%3).</translation>
    </message>
    <message>
        <source>Cancelling the export…</source>
        <translation>Export wird abgebrochen…</translation>
    </message>
    <message>
        <source>Cancel deletion</source>
        <translation>Löschung abbrechen</translation>
    </message>
    <message>
        <source>Cancel the scheduled deletion of the account %1? The account stays.</source>
        <translation>Die geplante Löschung des Kontos %1 abbrechen? Das Konto bleibt bestehen.</translation>
    </message>
    <message>
        <source>The deletion of %1 is cancelled.</source>
        <translation>Die Löschung von %1 ist abgebrochen.</translation>
    </message>
    <message>
        <source>Delete account now</source>
        <translation>Konto jetzt löschen</translation>
    </message>
    <message>
        <source>Delete the account %1 now, before its grace period ends? The workspaces it owns go with it, with all their projects and runs. This cannot be undone.</source>
        <translation>Das Konto %1 jetzt löschen, vor Ablauf seiner Karenzzeit? Die Arbeitsbereiche, die ihm gehören, werden mit allen Projekten und Läufen mitgelöscht. Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Delete account</source>
        <translation>Konto löschen</translation>
    </message>
    <message>
        <source>The account %1 was deleted.</source>
        <translation>Das Konto %1 wurde gelöscht.</translation>
    </message>
    <message>
        <source>The restriction on %1 is lifted.</source>
        <translation>Die Einschränkung für %1 ist aufgehoben.</translation>
    </message>
    <message>
        <source>Cannot cancel the deletion of %1</source>
        <translation>Die Löschung von %1 kann nicht abgebrochen werden</translation>
    </message>
    <message>
        <source>Cannot delete the account %1</source>
        <translation>Das Konto %1 kann nicht gelöscht werden</translation>
    </message>
    <message>
        <source>Cannot lift the restriction on %1</source>
        <translation>Die Einschränkung für %1 kann nicht aufgehoben werden</translation>
    </message>
</context>
<context>
    <name>wfx::ui::FirstRunWizard</name>
    <message>
        <source>Set up WorldFlux Console</source>
        <translation>WorldFlux Console einrichten</translation>
    </message>
    <message>
        <source>First-run guide</source>
        <translation>Einrichtungsassistent</translation>
    </message>
    <message>
        <source>Create the administrator</source>
        <translation>Administrator anlegen</translation>
    </message>
    <message>
        <source>This instance has no account yet. The first account administers the whole instance.</source>
        <translation>Diese Instanz hat noch kein Konto. Das erste Konto verwaltet die gesamte Instanz.</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>Passwort wiederholen</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>&amp;E-Mail:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <source>Password &amp;again:</source>
        <translation>Passwort &amp;wiederholen:</translation>
    </message>
    <message numerus="yes">
        <source>At least %n character(s).</source>
        <translation>
            <numerusform>Mindestens %n Zeichen.</numerusform>
            <numerusform>Mindestens %n Zeichen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Create a workspace</source>
        <translation>Arbeitsbereich anlegen</translation>
    </message>
    <message>
        <source>Runs belong to a project in a workspace. The administrator owns this one.</source>
        <translation>Läufe gehören zu einem Projekt in einem Arbeitsbereich. Dieser gehört dem Administrator.</translation>
    </message>
    <message>
        <source>Workspace name</source>
        <translation>Name des Arbeitsbereichs</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>Projektname</translation>
    </message>
    <message>
        <source>first-project</source>
        <translation>erstes-projekt</translation>
    </message>
    <message>
        <source>&amp;Workspace:</source>
        <translation>&amp;Arbeitsbereich:</translation>
    </message>
    <message>
        <source>&amp;Project:</source>
        <translation>P&amp;rojekt:</translation>
    </message>
    <message>
        <source>Issue an API key</source>
        <translation>API-Schlüssel ausstellen</translation>
    </message>
    <message>
        <source>Training code syncs runs with an API key. Its secret is shown once, when it is issued.</source>
        <translation>Trainingscode synchronisiert Läufe mit einem API-Schlüssel. Sein Geheimnis wird einmal angezeigt, bei der Ausstellung.</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>Schlüsselname</translation>
    </message>
    <message>
        <source>first key</source>
        <translation>erster Schlüssel</translation>
    </message>
    <message>
        <source>Key &amp;name:</source>
        <translation>Schlüssel&amp;name:</translation>
    </message>
    <message>
        <source>Sync a first run</source>
        <translation>Ersten Lauf synchronisieren</translation>
    </message>
    <message>
        <source>Run this command in a terminal on a machine that reaches this server. The run appears in the Runs panel at once.</source>
        <translation>Führen Sie diesen Befehl in einem Terminal auf einem Rechner aus, der diesen Server erreicht. Der Lauf erscheint sofort im Bereich „Läufe“.</translation>
    </message>
    <message>
        <source>Command that syncs a first run</source>
        <translation>Befehl, der einen ersten Lauf synchronisiert</translation>
    </message>
    <message>
        <source>&amp;Copy command</source>
        <translation>Befehl &amp;kopieren</translation>
    </message>
    <message>
        <source>The command holds the API key&apos;s secret: keep it private.</source>
        <translation>Der Befehl enthält das Geheimnis des API-Schlüssels: Halten Sie ihn vertraulich.</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>Wird ausgeführt…</translation>
    </message>
    <message>
        <source>Enter an email address such as admin@example.org.</source>
        <translation>Geben Sie eine E-Mail-Adresse wie admin@example.org ein.</translation>
    </message>
    <message>
        <source>Enter the administrator&apos;s name.</source>
        <translation>Geben Sie den Namen des Administrators ein.</translation>
    </message>
    <message>
        <source>The name is too long.</source>
        <translation>Der Name ist zu lang.</translation>
    </message>
    <message numerus="yes">
        <source>The password needs at least %n character(s).</source>
        <translation>
            <numerusform>Das Passwort braucht mindestens %n Zeichen.</numerusform>
            <numerusform>Das Passwort braucht mindestens %n Zeichen.</numerusform>
        </translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>Die beiden Passwörter stimmen nicht überein.</translation>
    </message>
    <message>
        <source>Enter a name for the workspace and for its first project.</source>
        <translation>Geben Sie einen Namen für den Arbeitsbereich und sein erstes Projekt ein.</translation>
    </message>
    <message>
        <source>Enter a name for the key, e.g. where it will be used.</source>
        <translation>Geben Sie einen Namen für den Schlüssel ein, z. B. wo er verwendet wird.</translation>
    </message>
    <message>
        <source>API key issued</source>
        <translation>API-Schlüssel ausgestellt</translation>
    </message>
    <message>
        <source>Copy the secret now: it is shown here once and never again. The next page puts it into the command that syncs a first run.</source>
        <translation>Kopieren Sie das Geheimnis jetzt: Es wird hier einmal und nie wieder angezeigt. Die nächste Seite setzt es in den Befehl ein, der einen ersten Lauf synchronisiert.</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Geheimnis</translation>
    </message>
    <message>
        <source>From Python training code: %1 (standard library only) syncs a run while it trains, with this address and key.</source>
        <translation>Aus Python-Trainingscode: %1 (nur die Standardbibliothek) synchronisiert einen Lauf, während er trainiert, mit dieser Adresse und diesem Schlüssel.</translation>
    </message>
</context>
<context>
    <name>wfx::ui::IssueKeyDialog</name>
    <message>
        <source>Issue an API key</source>
        <translation>API-Schlüssel ausstellen</translation>
    </message>
    <message>
        <source>A new key for %1.</source>
        <translation>Ein neuer Schlüssel für %1.</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>Schlüsselname</translation>
    </message>
    <message>
        <source>e.g. training cluster</source>
        <translation>z. B. Trainingscluster</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Workspace scope</source>
        <translation>Geltungsbereich (Arbeitsbereich)</translation>
    </message>
    <message>
        <source>Not scoped (all of the user&apos;s workspaces)</source>
        <translation>Nicht beschränkt (alle Arbeitsbereiche des Benutzers)</translation>
    </message>
    <message>
        <source>&amp;Scope:</source>
        <translation>&amp;Geltungsbereich:</translation>
    </message>
    <message>
        <source>Issue key</source>
        <translation>Schlüssel ausstellen</translation>
    </message>
</context>
<context>
    <name>wfx::ui::MailModel</name>
    <message>
        <source>Sent %1</source>
        <translation>Gesendet %1</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>Nicht gesendet: %1</translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>Wartet auf Versand</translation>
    </message>
    <message>
        <source>To</source>
        <translation>An</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Betreff</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
</context>
<context>
    <name>wfx::ui::MailPanel</name>
    <message>
        <source>Mail outbox</source>
        <translation>Postausgang</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>Every message the console wrote: password resets and invitations. Without a mail command (setting sendmail, or WFX_SENDMAIL) nothing is sent; read here who asked for what. One-time links are never stored, so bodies show them withheld.</source>
        <translation>Jede Nachricht, die die Konsole geschrieben hat: Passwort-Zurücksetzungen und Einladungen. Ohne Mail-Befehl (Einstellung sendmail oder WFX_SENDMAIL) wird nichts gesendet; lesen Sie hier, wer was angefordert hat. Einmal-Links werden nie gespeichert, daher zeigen die Nachrichten sie zurückgehalten.</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>Message body</source>
        <translation>Nachrichtentext</translation>
    </message>
    <message>
        <source>Choose a message to read it.</source>
        <translation>Wählen Sie eine Nachricht, um sie zu lesen.</translation>
    </message>
    <message>
        <source>To: %1
Subject: %2
%3

%4</source>
        <translation>An: %1
Betreff: %2
%3

%4</translation>
    </message>
    <message>
        <source>Cannot load the outbox: %1</source>
        <translation>Der Postausgang kann nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>No messages yet.</source>
        <translation>Noch keine Nachrichten.</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) shown</source>
        <translation>
            <numerusform>%n Nachricht angezeigt</numerusform>
            <numerusform>%n Nachrichten angezeigt</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>wfx::ui::MainWindow</name>
    <message>
        <source>WorldFlux Console</source>
        <translation>WorldFlux Console</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Workspaces</source>
        <translation>Arbeitsbereiche</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Shares</source>
        <translation>Freigaben</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>Abrechnung</translation>
    </message>
    <message>
        <source>DSAR requests</source>
        <translation>Betroffenenanfragen</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Areas</source>
        <translation>Bereiche</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1 (Strg+%2)</translation>
    </message>
    <message>
        <source>Serving on %1</source>
        <translation>Bereit unter %1</translation>
    </message>
    <message>
        <source>Server stopped</source>
        <translation>Server gestoppt</translation>
    </message>
    <message>
        <source>Mail outbox</source>
        <translation>Postausgang</translation>
    </message>
</context>
<context>
    <name>wfx::ui::MetricChart</name>
    <message>
        <source>Metric chart</source>
        <translation>Metrikdiagramm</translation>
    </message>
    <message>
        <source>Lo&amp;g scale</source>
        <translation>L&amp;ogarithmische Skala</translation>
    </message>
    <message>
        <source>Smoot&amp;hing:</source>
        <translation>&amp;Glättung:</translation>
    </message>
    <message>
        <source>Weight of the exponential moving average; 0 shows the values as logged</source>
        <translation>Gewicht des exponentiellen gleitenden Mittels; 0 zeigt die Werte wie protokolliert</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Schritt</translation>
    </message>
    <message numerus="yes">
        <source>%n point(s) at or below zero left out: a log scale cannot show them.</source>
        <translation>
            <numerusform>%n Punkt kleiner oder gleich null ausgelassen: Eine logarithmische Skala kann ihn nicht zeigen.</numerusform>
            <numerusform>%n Punkte kleiner oder gleich null ausgelassen: Eine logarithmische Skala kann sie nicht zeigen.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1
step %2: %3</source>
        <translation>%1
Schritt %2: %3</translation>
    </message>
    <message>
        <source>%1
step %2: %3 smoothed, %4 logged</source>
        <translation>%1
Schritt %2: %3 geglättet, %4 protokolliert</translation>
    </message>
</context>
<context>
    <name>wfx::ui::OverviewPanel</name>
    <message>
        <source>%1 d %2 h %3 min</source>
        <translation>%1 d %2 h %3 min</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Serveradresse</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Copy the server address to the clipboard</source>
        <translation>Die Serveradresse in die Zwischenablage kopieren</translation>
    </message>
    <message>
        <source>Open API &amp;docs</source>
        <translation>API-&amp;Dokumentation öffnen</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>S&amp;toppen</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Zustand:</translation>
    </message>
    <message>
        <source>Uptime:</source>
        <translation>Betriebszeit:</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>Version:</translation>
    </message>
    <message>
        <source>Requests per second, last 5 minutes</source>
        <translation>Anfragen pro Sekunde, letzte 5 Minuten</translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation>Anfragen/s</translation>
    </message>
    <message>
        <source>Request rate chart</source>
        <translation>Diagramm der Anfragerate</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>Speicher</translation>
    </message>
    <message>
        <source>Measuring…</source>
        <translation>Wird gemessen…</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Wird geprüft…</translation>
    </message>
    <message>
        <source>Store:</source>
        <translation>Datenspeicher:</translation>
    </message>
    <message>
        <source>Store size:</source>
        <translation>Größe des Datenspeichers:</translation>
    </message>
    <message>
        <source>Artifact store:</source>
        <translation>Artefaktspeicher:</translation>
    </message>
    <message>
        <source>Stopped: the server could not listen on its address</source>
        <translation>Gestoppt: Der Server konnte seine Adresse nicht belegen</translation>
    </message>
    <message>
        <source>Now: %1 requests/s</source>
        <translation>Aktuell: %1 Anfragen/s</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Gestoppt</translation>
    </message>
    <message>
        <source>Not running</source>
        <translation>Läuft nicht</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Healthy (the blob folder is writable)</source>
        <translation>In Ordnung (der Blob-Ordner ist beschreibbar)</translation>
    </message>
    <message>
        <source>Unavailable: the blob folder cannot be written</source>
        <translation>Nicht verfügbar: Der Blob-Ordner ist nicht beschreibbar</translation>
    </message>
    <message>
        <source>seconds ago</source>
        <translation>Sekunden zuvor</translation>
    </message>
    <message>
        <source>%1 s ago: %2 requests/s</source>
        <translation>vor %1 s: %2 Anfragen/s</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunCompareDialog</name>
    <message numerus="yes">
        <source>Compare %n run(s)</source>
        <translation>
            <numerusform>%n Lauf vergleichen</numerusform>
            <numerusform>%n Läufe vergleichen</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>Diagramme</translation>
    </message>
    <message>
        <source>Last, lowest and highest value per metric and run</source>
        <translation>Letzter, kleinster und größter Wert je Messgröße und Lauf</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Messgröße</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>Letzter</translation>
    </message>
    <message>
        <source>Lowest</source>
        <translation>Kleinster</translation>
    </message>
    <message>
        <source>Highest</source>
        <translation>Größter</translation>
    </message>
    <message>
        <source>Last step</source>
        <translation>Letzter Schritt</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>Werte</translation>
    </message>
    <message>
        <source>Manifest keys whose values differ</source>
        <translation>Manifest-Schlüssel mit unterschiedlichen Werten</translation>
    </message>
    <message>
        <source>Manifest differences</source>
        <translation>Manifest-Unterschiede</translation>
    </message>
    <message>
        <source>Cannot load the comparison: %1</source>
        <translation>Der Vergleich kann nicht geladen werden: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n metric(s) of %1 runs</source>
        <translation>
            <numerusform>%n Messgröße von %1 Läufen</numerusform>
            <numerusform>%n Messgrößen von %1 Läufen</numerusform>
        </translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keiner)</translation>
    </message>
    <message>
        <source>Manifest differences (none)</source>
        <translation>Manifest-Unterschiede (keine)</translation>
    </message>
    <message>
        <source>Chart of %1</source>
        <translation>Diagramm von %1</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunDetailsDialog</name>
    <message numerus="yes">
        <source>{%n key(s)}</source>
        <translation>
            <numerusform>{%n Schlüssel}</numerusform>
            <numerusform>{%n Schlüssel}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>[%n item(s)]</source>
        <translation>
            <numerusform>[%n Element]</numerusform>
            <numerusform>[%n Elemente]</numerusform>
        </translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Run %1</source>
        <translation>Lauf %1</translation>
    </message>
    <message>
        <source>Run details</source>
        <translation>Laufdetails</translation>
    </message>
    <message>
        <source>&amp;Summary</source>
        <translation>&amp;Zusammenfassung</translation>
    </message>
    <message>
        <source>&amp;Manifest</source>
        <translation>&amp;Manifest</translation>
    </message>
    <message>
        <source>Me&amp;trics</source>
        <translation>Me&amp;triken</translation>
    </message>
    <message>
        <source>&amp;Log</source>
        <translation>&amp;Log</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>Lö&amp;schen…</translation>
    </message>
    <message>
        <source>Signed with Ed25519 and the signature matches the manifest.</source>
        <translation>Mit Ed25519 signiert; die Signatur passt zum Manifest.</translation>
    </message>
    <message>
        <source>A signature was sent but does not match the manifest.</source>
        <translation>Eine Signatur wurde gesendet, passt aber nicht zum Manifest.</translation>
    </message>
    <message>
        <source>No signature was sent.</source>
        <translation>Es wurde keine Signatur gesendet.</translation>
    </message>
    <message>
        <source>Run id:</source>
        <translation>Lauf-ID:</translation>
    </message>
    <message>
        <source>Client run id:</source>
        <translation>Client-Lauf-ID:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Project id:</source>
        <translation>Projekt-ID:</translation>
    </message>
    <message>
        <source>Workspace id:</source>
        <translation>Arbeitsbereichs-ID:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Gestartet:</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>Beendet:</translation>
    </message>
    <message>
        <source>Metric points:</source>
        <translation>Messpunkte:</translation>
    </message>
    <message>
        <source>Log size:</source>
        <translation>Log-Größe:</translation>
    </message>
    <message>
        <source>Evidence:</source>
        <translation>Nachweis:</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Manifest</source>
        <translation>Manifest</translation>
    </message>
    <message>
        <source>Metrics to chart</source>
        <translation>Darzustellende Metriken</translation>
    </message>
    <message>
        <source>Drag over the chart to zoom in.</source>
        <translation>Ziehen Sie über das Diagramm, um es zu vergrößern.</translation>
    </message>
    <message>
        <source>&amp;Reset zoom</source>
        <translation>Zoom zu&amp;rücksetzen</translation>
    </message>
    <message>
        <source>Search the log</source>
        <translation>Log durchsuchen</translation>
    </message>
    <message>
        <source>Search the log…</source>
        <translation>Log durchsuchen…</translation>
    </message>
    <message>
        <source>Find &amp;next</source>
        <translation>&amp;Weitersuchen</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Log</translation>
    </message>
    <message>
        <source>Load &amp;more</source>
        <translation>Weitere la&amp;den</translation>
    </message>
    <message>
        <source>Cannot load the run: %1</source>
        <translation>Der Lauf kann nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Algorithm: %1
Public key: %2
Manifest SHA-256 at signing: %3
Checked: %4</source>
        <translation>Algorithmus: %1
Öffentlicher Schlüssel: %2
SHA-256 des Manifests beim Signieren: %3
Geprüft: %4</translation>
    </message>
    <message>
        <source>This run has no metrics.</source>
        <translation>Dieser Lauf hat keine Metriken.</translation>
    </message>
    <message>
        <source>Cannot load the metrics: %1</source>
        <translation>Die Metriken können nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Cannot load the log: %1</source>
        <translation>Das Log kann nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>This run has no log.</source>
        <translation>Dieser Lauf hat kein Log.</translation>
    </message>
    <message>
        <source>%1 of %2 loaded; search looks in the loaded part.</source>
        <translation>%1 von %2 geladen; die Suche durchsucht den geladenen Teil.</translation>
    </message>
    <message>
        <source>Not found in the loaded log</source>
        <translation>Im geladenen Log nicht gefunden</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>Lauf löschen</translation>
    </message>
    <message>
        <source>Delete the run “%1”? Its metrics, log and evidence are removed from the store. This cannot be undone.</source>
        <translation>Den Lauf „%1“ löschen? Seine Metriken, sein Log und sein Nachweis werden aus dem Datenspeicher entfernt. Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Deleting…</source>
        <translation>Wird gelöscht…</translation>
    </message>
    <message>
        <source>Cannot delete the run: %1</source>
        <translation>Der Lauf kann nicht gelöscht werden: %1</translation>
    </message>
    <message>
        <source>&amp;Files</source>
        <translation>Date&amp;ien</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunFilesTab</name>
    <message>
        <source>Stored</source>
        <translation>Gespeichert</translation>
    </message>
    <message>
        <source>Uploading</source>
        <translation>Wird hochgeladen</translation>
    </message>
    <message>
        <source>Aborted</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Gelöscht</translation>
    </message>
    <message>
        <source>Artifacts</source>
        <translation>Artefakte</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>&amp;Save to file…</source>
        <translation>In Datei s&amp;peichern…</translation>
    </message>
    <message>
        <source>&amp;Export evidence package…</source>
        <translation>Nachweispaket &amp;exportieren…</translation>
    </message>
    <message>
        <source>The instance signing key is not available to this console.</source>
        <translation>Der Signaturschlüssel der Instanz steht dieser Konsole nicht zur Verfügung.</translation>
    </message>
    <message>
        <source>File progress</source>
        <translation>Dateifortschritt</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <source>The artifact store is not available to this console: artifacts are listed but cannot be saved.</source>
        <translation>Der Artefaktspeicher steht dieser Konsole nicht zur Verfügung: Artefakte werden aufgelistet, können aber nicht gespeichert werden.</translation>
    </message>
    <message>
        <source>Cannot list the artifacts: %1</source>
        <translation>Die Artefakte können nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>This run has no artifacts.</source>
        <translation>Dieser Lauf hat keine Artefakte.</translation>
    </message>
    <message numerus="yes">
        <source>Showing the first %n artifact(s).</source>
        <translation>
            <numerusform>Nur %n Artefakt wird angezeigt.</numerusform>
            <numerusform>Nur die ersten %n Artefakte werden angezeigt.</numerusform>
        </translation>
    </message>
    <message>
        <source>reading failed</source>
        <translation>Lesen fehlgeschlagen</translation>
    </message>
    <message>
        <source>the bytes do not match the artifact&apos;s SHA-256</source>
        <translation>die Bytes stimmen nicht mit dem SHA-256 des Artefakts überein</translation>
    </message>
    <message>
        <source>Save artifact</source>
        <translation>Artefakt speichern</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>%1 wird gespeichert…</translation>
    </message>
    <message>
        <source>Export evidence package</source>
        <translation>Nachweispaket exportieren</translation>
    </message>
    <message>
        <source>ZIP archives (*.zip)</source>
        <translation>ZIP-Archive (*.zip)</translation>
    </message>
    <message>
        <source>Building the evidence package…</source>
        <translation>Nachweispaket wird erstellt…</translation>
    </message>
    <message>
        <source>The evidence package</source>
        <translation>Das Nachweispaket</translation>
    </message>
    <message>
        <source>%1 was saved to %2 (%3).</source>
        <translation>%1 wurde in %2 gespeichert (%3).</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written to %1.</source>
        <translation>Abgebrochen: Nach %1 wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>%1 was not saved: %2</source>
        <translation>%1 wurde nicht gespeichert: %2</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunsModel</name>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Verifiziert</translation>
    </message>
    <message>
        <source>Signature mismatch</source>
        <translation>Signatur passt nicht</translation>
    </message>
    <message>
        <source>Unsigned</source>
        <translation>Unsigniert</translation>
    </message>
    <message>
        <source>Signed with Ed25519 and the signature matches the manifest</source>
        <translation>Mit Ed25519 signiert; die Signatur passt zum Manifest</translation>
    </message>
    <message>
        <source>A signature was sent but does not match</source>
        <translation>Eine Signatur wurde gesendet, passt aber nicht</translation>
    </message>
    <message>
        <source>No signature was sent</source>
        <translation>Es wurde keine Signatur gesendet</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>Nachweis</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>Projekt</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Metric points</source>
        <translation>Messpunkte</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunsPanel</name>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Workspace filter</source>
        <translation>Filter nach Arbeitsbereich</translation>
    </message>
    <message>
        <source>All workspaces</source>
        <translation>Alle Arbeitsbereiche</translation>
    </message>
    <message>
        <source>Project filter</source>
        <translation>Filter nach Projekt</translation>
    </message>
    <message>
        <source>All projects</source>
        <translation>Alle Projekte</translation>
    </message>
    <message>
        <source>Choose a workspace to filter by project</source>
        <translation>Wählen Sie einen Arbeitsbereich, um nach Projekt zu filtern</translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation>Filter nach Status</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Evidence filter</source>
        <translation>Filter nach Nachweis</translation>
    </message>
    <message>
        <source>Any evidence</source>
        <translation>Alle Nachweise</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Verifiziert</translation>
    </message>
    <message>
        <source>Signature mismatch</source>
        <translation>Signatur passt nicht</translation>
    </message>
    <message>
        <source>Unsigned</source>
        <translation>Unsigniert</translation>
    </message>
    <message>
        <source>Search run names</source>
        <translation>Laufnamen durchsuchen</translation>
    </message>
    <message>
        <source>Search names…</source>
        <translation>Namen durchsuchen…</translation>
    </message>
    <message>
        <source>Runs were added or removed.</source>
        <translation>Läufe wurden hinzugefügt oder entfernt.</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>Runs table</source>
        <translation>Tabelle der Läufe</translation>
    </message>
    <message>
        <source>Cannot list workspaces: %1</source>
        <translation>Arbeitsbereiche können nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>Cannot load runs: %1</source>
        <translation>Läufe können nicht geladen werden: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) shown, loading more…</source>
        <translation>
            <numerusform>%n Lauf angezeigt, weitere werden geladen…</numerusform>
            <numerusform>%n Läufe angezeigt, weitere werden geladen…</numerusform>
        </translation>
    </message>
    <message>
        <source>No runs match.</source>
        <translation>Keine passenden Läufe.</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s), all shown</source>
        <translation>
            <numerusform>%n Lauf, alle angezeigt</numerusform>
            <numerusform>%n Läufe, alle angezeigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n Lauf angezeigt, scrollen Sie für weitere</numerusform>
            <numerusform>%n Läufe angezeigt, scrollen Sie für weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Metric filter</source>
        <translation>Messgrößenfilter</translation>
    </message>
    <message>
        <source>Metric filter, e.g. loss &lt; 0.1</source>
        <translation>Messgrößenfilter, z. B. loss &lt; 0.1</translation>
    </message>
    <message>
        <source>A metric&apos;s last value (at the run&apos;s highest step): a name, one of &lt; &lt;= &gt; &gt;= = != and a number. A name alone orders by that metric.</source>
        <translation>Der letzte Wert einer Messgröße (beim höchsten Schritt des Laufs): ein Name, eines von &lt; &lt;= &gt; &gt;= = != und eine Zahl. Ein Name allein sortiert nach dieser Messgröße.</translation>
    </message>
    <message>
        <source>Order of runs</source>
        <translation>Reihenfolge der Läufe</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>Neueste zuerst</translation>
    </message>
    <message>
        <source>Metric, lowest first</source>
        <translation>Messgröße, kleinste zuerst</translation>
    </message>
    <message>
        <source>Metric, highest first</source>
        <translation>Messgröße, größte zuerst</translation>
    </message>
    <message>
        <source>&amp;Compare…</source>
        <translation>&amp;Vergleichen…</translation>
    </message>
    <message>
        <source>Select 2 to %1 runs (Ctrl+click) to compare them</source>
        <translation>2 bis %1 Läufe auswählen (Strg+Klick), um sie zu vergleichen</translation>
    </message>
    <message>
        <source>At most %1 runs can be compared at once</source>
        <translation>Höchstens %1 Läufe können gleichzeitig verglichen werden</translation>
    </message>
    <message>
        <source>Write a metric name before the operator, e.g. loss &lt; 0.1.</source>
        <translation>Vor dem Operator steht der Name einer Messgröße, z. B. loss &lt; 0.1.</translation>
    </message>
    <message>
        <source>After the metric name comes one of &lt; &lt;= &gt; &gt;= = != and a number, e.g. loss &lt; 0.1.</source>
        <translation>Nach dem Namen der Messgröße folgt eines von &lt; &lt;= &gt; &gt;= = != und eine Zahl, z. B. loss &lt; 0.1.</translation>
    </message>
    <message>
        <source>A number is missing after the operator, e.g. loss &lt; 0.1.</source>
        <translation>Nach dem Operator fehlt eine Zahl, z. B. loss &lt; 0.1.</translation>
    </message>
    <message>
        <source>“%1” is not a number: write it like 0.1, -2 or 1e-3.</source>
        <translation>„%1“ ist keine Zahl: Schreiben Sie sie wie 0.1, -2 oder 1e-3.</translation>
    </message>
    <message>
        <source>The quoted metric name has no closing quote.</source>
        <translation>Dem Namen der Messgröße in Anführungszeichen fehlt das schließende Anführungszeichen.</translation>
    </message>
    <message>
        <source>The metric name is too long.</source>
        <translation>Der Name der Messgröße ist zu lang.</translation>
    </message>
    <message>
        <source>Name a metric to order by, e.g. loss.</source>
        <translation>Nennen Sie eine Messgröße, nach der sortiert wird, z. B. loss.</translation>
    </message>
</context>
<context>
    <name>wfx::ui::SettingsPanel</name>
    <message>
        <source>flag</source>
        <translation>Option</translation>
    </message>
    <message>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <source>keychain</source>
        <translation>Schlüsselbund</translation>
    </message>
    <message>
        <source>default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>This console was started without access to its settings.</source>
        <translation>Diese Konsole wurde ohne Zugriff auf ihre Einstellungen gestartet.</translation>
    </message>
    <message>
        <source>Changes are saved to the settings file %1 and apply at the next start of the console: the running server keeps its current settings. A flag given at start overrides the file, and the file overrides the environment (flag &gt; file &gt; environment &gt; default). Secrets are stored in %2, never in the file, and used when no flag, file or environment variable gives them.</source>
        <translation>Änderungen werden in der Einstellungsdatei %1 gespeichert und gelten ab dem nächsten Start der Konsole: Der laufende Server behält seine aktuellen Einstellungen. Eine beim Start angegebene Option überschreibt die Datei, die Datei überschreibt eine Umgebungsvariable (Option &gt; Datei &gt; Umgebung &gt; Standard). Geheimnisse werden in %2 gespeichert, nie in der Datei, und verwendet, wenn weder Option, Datei noch Umgebungsvariable sie angeben.</translation>
    </message>
    <message>
        <source>Effective settings</source>
        <translation>Wirksame Einstellungen</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>Einstellung</translation>
    </message>
    <message>
        <source>Value now</source>
        <translation>Aktueller Wert</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Settings file</source>
        <translation>Einstellungsdatei</translation>
    </message>
    <message>
        <source>(set) type to replace</source>
        <translation>(gesetzt) zum Ersetzen eingeben</translation>
    </message>
    <message>
        <source>(unset) type to store</source>
        <translation>(nicht gesetzt) zum Speichern eingeben</translation>
    </message>
    <message>
        <source>not in the file</source>
        <translation>nicht in der Datei</translation>
    </message>
    <message>
        <source>not in the file (default %1)</source>
        <translation>nicht in der Datei (Standard %1)</translation>
    </message>
    <message>
        <source>Save for the next start</source>
        <translation>Für den nächsten Start speichern</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>Nothing was saved: correct the fields marked in red.</source>
        <translation>Es wurde nichts gespeichert: Korrigieren Sie die rot markierten Felder.</translation>
    </message>
    <message>
        <source>No changes to save.</source>
        <translation>Keine Änderungen zu speichern.</translation>
    </message>
    <message>
        <source>Nothing was saved: %1</source>
        <translation>Es wurde nichts gespeichert: %1</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n change(s). They apply at the next start of the console.</source>
        <translation>
            <numerusform>%n Änderung gespeichert. Sie gilt ab dem nächsten Start der Konsole.</numerusform>
            <numerusform>%n Änderungen gespeichert. Sie gelten ab dem nächsten Start der Konsole.</numerusform>
        </translation>
    </message>
    <message>
        <source>Saving settings</source>
        <translation>Einstellungen werden gespeichert</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
</context>
<context>
    <name>wfx::ui::ShareInspector</name>
    <message>
        <source>Read limit reached</source>
        <translation>Leselimit erreicht</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Nicht gefunden</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>Locked after wrong passwords</source>
        <translation>Nach falschen Passwörtern gesperrt</translation>
    </message>
    <message>
        <source>Password required</source>
        <translation>Passwort erforderlich</translation>
    </message>
    <message>
        <source>Wrong password</source>
        <translation>Falsches Passwort</translation>
    </message>
    <message>
        <source>Evidence unverified</source>
        <translation>Nachweis nicht verifiziert</translation>
    </message>
    <message>
        <source>Artifact not available</source>
        <translation>Artefakt nicht verfügbar</translation>
    </message>
    <message>
        <source>Blocked by the public payload policy</source>
        <translation>Durch die Richtlinie für öffentliche Inhalte blockiert</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Share inspector</source>
        <translation>Freigabe-Inspektor</translation>
    </message>
    <message>
        <source>Token or link</source>
        <translation>Token oder Link</translation>
    </message>
    <message>
        <source>wfxs_… or https://host/r/wfxs_… or a share id</source>
        <translation>wfxs_… oder https://host/r/wfxs_… oder eine Freigabe-ID</translation>
    </message>
    <message>
        <source>&amp;Token or link:</source>
        <translation>&amp;Token oder Link:</translation>
    </message>
    <message>
        <source>Client address</source>
        <translation>Client-Adresse</translation>
    </message>
    <message>
        <source>The reader&apos;s IP address: read budgets and password locks are per address</source>
        <translation>Die IP-Adresse des Lesers: Lesekontingente und Passwortsperren gelten je Adresse</translation>
    </message>
    <message>
        <source>Password to try (optional)</source>
        <translation>Zu testendes Passwort (optional)</translation>
    </message>
    <message>
        <source>Optional; trying it here counts nothing</source>
        <translation>Optional; ein Versuch hier wird nicht gezählt</translation>
    </message>
    <message>
        <source>&amp;Inspect</source>
        <translation>&amp;Prüfen</translation>
    </message>
    <message>
        <source>Client &amp;address:</source>
        <translation>Client-&amp;Adresse:</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Paste a token or a link and press Inspect.</source>
        <translation>Fügen Sie ein Token oder einen Link ein und klicken Sie auf „Prüfen“.</translation>
    </message>
    <message>
        <source>What the public receives</source>
        <translation>Was die Öffentlichkeit erhält</translation>
    </message>
    <message>
        <source>Change it</source>
        <translation>Ändern</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>&amp;Widerrufen…</translation>
    </message>
    <message>
        <source>New expiry</source>
        <translation>Neuer Ablauf</translation>
    </message>
    <message>
        <source>E&amp;xtend expiry</source>
        <translation>Ablauf &amp;verlängern</translation>
    </message>
    <message>
        <source>&amp;Unlock for this address</source>
        <translation>Für diese Adresse &amp;entsperren</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>Läuft ab:</translation>
    </message>
    <message>
        <source>Cannot inspect: %1</source>
        <translation>Prüfen nicht möglich: %1</translation>
    </message>
    <message>
        <source>The password given is right: this is what a reader who sends it gets.</source>
        <translation>Das angegebene Passwort ist richtig: Das erhält ein Leser, der es sendet.</translation>
    </message>
    <message>
        <source>the password given is not the share&apos;s password; each wrong one counts toward the lock for this address</source>
        <translation>das angegebene Passwort ist nicht das Passwort der Freigabe; jedes falsche zählt für die Sperre dieser Adresse</translation>
    </message>
    <message>
        <source>With the right password: %1 (%2).</source>
        <translation>Mit dem richtigen Passwort: %1 (%2).</translation>
    </message>
    <message>
        <source>%1 — state %2 of 11</source>
        <translation>%1 — Zustand %2 von 11</translation>
    </message>
    <message>
        <source>Why: %1</source>
        <translation>Grund: %1</translation>
    </message>
    <message>
        <source>Share %1 of run %2; created %3; %4; %5.</source>
        <translation>Freigabe %1 von Lauf %2; erstellt %3; %4; %5.</translation>
    </message>
    <message>
        <source>has a password</source>
        <translation>mit Passwort</translation>
    </message>
    <message>
        <source>no password</source>
        <translation>ohne Passwort</translation>
    </message>
    <message>
        <source>expires %1</source>
        <translation>läuft am %1 ab</translation>
    </message>
    <message>
        <source>never expires</source>
        <translation>läuft nie ab</translation>
    </message>
    <message>
        <source>No share matches.</source>
        <translation>Keine passende Freigabe.</translation>
    </message>
    <message>
        <source>HTTP %1
Cache-Control: %2
</source>
        <translation>HTTP %1
Cache-Control: %2
</translation>
    </message>
    <message>
        <source>Retry-After: (seconds until the limit ends)
</source>
        <translation>Retry-After: (Sekunden bis zum Ende des Limits)
</translation>
    </message>
    <message>
        <source>The run snapshot (name, status, times, manifest, metrics%1), without internal ids.</source>
        <translation>Der Schnappschuss des Laufs (Name, Status, Zeiten, Manifest, Metriken%1), ohne interne IDs.</translation>
    </message>
    <message>
        <source>, the shared artifact</source>
        <translation>, das freigegebene Artefakt</translation>
    </message>
    <message>
        <source>Forget the wrong passwords of %1</source>
        <translation>Die falschen Passwörter von %1 vergessen</translation>
    </message>
    <message>
        <source>Revoke share</source>
        <translation>Freigabe widerrufen</translation>
    </message>
    <message>
        <source>Revoke the share %1…? Anyone with the link gets 410 from now on. This cannot be undone.</source>
        <translation>Die Freigabe %1… widerrufen? Wer den Link hat, erhält ab sofort 410. Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Cannot revoke</source>
        <translation>Widerrufen nicht möglich</translation>
    </message>
    <message>
        <source>Cannot extend the share</source>
        <translation>Die Freigabe kann nicht verlängert werden</translation>
    </message>
    <message>
        <source>Cannot unlock the share</source>
        <translation>Die Freigabe kann nicht entsperrt werden</translation>
    </message>
</context>
<context>
    <name>wfx::ui::SharesModel</name>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Ja</translation>
    </message>
    <message>
        <source>No</source>
        <translation>Nein</translation>
    </message>
    <message>
        <source>Revoked %1</source>
        <translation>Widerrufen %1</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <source>Run %1</source>
        <translation>Lauf %1</translation>
    </message>
    <message>
        <source>Run %1, artifact %2</source>
        <translation>Lauf %1, Artefakt %2</translation>
    </message>
    <message>
        <source>The start of the token; the token itself is not stored</source>
        <translation>Der Anfang des Tokens; das Token selbst wird nicht gespeichert</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
</context>
<context>
    <name>wfx::ui::SharesPanel</name>
    <message>
        <source>Shares</source>
        <translation>Freigaben</translation>
    </message>
    <message>
        <source>&amp;New share…</source>
        <translation>&amp;Neue Freigabe…</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>&amp;Widerrufen…</translation>
    </message>
    <message>
        <source>I&amp;nspect</source>
        <translation>P&amp;rüfen</translation>
    </message>
    <message>
        <source>Open the selected share in the inspector</source>
        <translation>Die ausgewählte Freigabe im Inspektor öffnen</translation>
    </message>
    <message>
        <source>Shares table</source>
        <translation>Tabelle der Freigaben</translation>
    </message>
    <message>
        <source>Revoked </source>
        <translation>Widerrufen </translation>
    </message>
    <message>
        <source>Reliability consents</source>
        <translation>Einwilligungen zur Zuverlässigkeit</translation>
    </message>
    <message>
        <source>Select a share to see its consents.</source>
        <translation>Wählen Sie eine Freigabe, um ihre Einwilligungen zu sehen.</translation>
    </message>
    <message>
        <source>Consents of the selected share</source>
        <translation>Einwilligungen der ausgewählten Freigabe</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Einwilligende Partei</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Zweck</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Granted</source>
        <translation>Erteilt</translation>
    </message>
    <message>
        <source>Consent subject</source>
        <translation>Einwilligende Partei</translation>
    </message>
    <message>
        <source>Subject (who consents)</source>
        <translation>Einwilligende Partei (wer einwilligt)</translation>
    </message>
    <message>
        <source>Consent scope</source>
        <translation>Zweck der Einwilligung</translation>
    </message>
    <message>
        <source>Scope (what for)</source>
        <translation>Zweck (wofür)</translation>
    </message>
    <message>
        <source>&amp;Add consent</source>
        <translation>Einwilligung &amp;hinzufügen</translation>
    </message>
    <message>
        <source>Revoke consent…</source>
        <translation>Einwilligung widerrufen…</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Exportieren…</translation>
    </message>
    <message>
        <source>Save the selected consent as a JSON file</source>
        <translation>Die ausgewählte Einwilligung als JSON-Datei speichern</translation>
    </message>
    <message>
        <source>A link can be copied only when the share is created: the token itself is not stored, only its hash and its first characters. To hand out a link again, create a new share (and revoke the old one).</source>
        <translation>Ein Link kann nur beim Erstellen der Freigabe kopiert werden: Das Token selbst wird nicht gespeichert, nur sein Hash und seine ersten Zeichen. Um einen Link erneut weiterzugeben, erstellen Sie eine neue Freigabe (und widerrufen die alte).</translation>
    </message>
    <message>
        <source>&amp;List</source>
        <translation>&amp;Liste</translation>
    </message>
    <message>
        <source>Insp&amp;ector</source>
        <translation>Insp&amp;ektor</translation>
    </message>
    <message>
        <source>Cannot create the share: %1</source>
        <translation>Die Freigabe kann nicht erstellt werden: %1</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>Link</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>Share link created</source>
        <translation>Freigabelink erstellt</translation>
    </message>
    <message>
        <source>Anyone with this link can read the run%1.</source>
        <translation>Jeder mit diesem Link kann den Lauf lesen%1.</translation>
    </message>
    <message>
        <source> after giving the password</source>
        <translation>, nachdem er das Passwort angegeben hat</translation>
    </message>
    <message>
        <source>Revoke share</source>
        <translation>Freigabe widerrufen</translation>
    </message>
    <message>
        <source>Revoke the share %1… of run %2? Anyone with the link gets 410 from now on. This cannot be undone.</source>
        <translation>Die Freigabe %1… von Lauf %2 widerrufen? Wer den Link hat, erhält ab sofort 410. Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Share %1… revoked.</source>
        <translation>Freigabe %1… widerrufen.</translation>
    </message>
    <message>
        <source>Cannot load consents: %1</source>
        <translation>Einwilligungen können nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>No consents recorded for this share.</source>
        <translation>Für diese Freigabe sind keine Einwilligungen erfasst.</translation>
    </message>
    <message numerus="yes">
        <source>%n consent(s) for this share</source>
        <translation>
            <numerusform>%n Einwilligung für diese Freigabe</numerusform>
            <numerusform>%n Einwilligungen für diese Freigabe</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Consent recorded.</source>
        <translation>Einwilligung erfasst.</translation>
    </message>
    <message>
        <source>Revoke consent</source>
        <translation>Einwilligung widerrufen</translation>
    </message>
    <message>
        <source>Revoke the consent of %1 (%2)?</source>
        <translation>Die Einwilligung von %1 (%2) widerrufen?</translation>
    </message>
    <message>
        <source>Consent revoked.</source>
        <translation>Einwilligung widerrufen.</translation>
    </message>
    <message>
        <source>Export consent</source>
        <translation>Einwilligung exportieren</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <source>Consent exported to %1.</source>
        <translation>Einwilligung nach %1 exportiert.</translation>
    </message>
    <message>
        <source>Cannot export the consent: %1</source>
        <translation>Die Einwilligung kann nicht exportiert werden: %1</translation>
    </message>
    <message>
        <source>Cannot load shares: %1</source>
        <translation>Freigaben können nicht geladen werden: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n share(s) shown, loading more…</source>
        <translation>
            <numerusform>%n Freigabe angezeigt, weitere werden geladen…</numerusform>
            <numerusform>%n Freigaben angezeigt, weitere werden geladen…</numerusform>
        </translation>
    </message>
    <message>
        <source>No shares yet.</source>
        <translation>Noch keine Freigaben.</translation>
    </message>
    <message numerus="yes">
        <source>%n share(s), all shown</source>
        <translation>
            <numerusform>%n Freigabe, alle angezeigt</numerusform>
            <numerusform>%n Freigaben, alle angezeigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n share(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n Freigabe angezeigt, scrollen Sie für weitere</numerusform>
            <numerusform>%n Freigaben angezeigt, scrollen Sie für weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot revoke</source>
        <translation>Widerrufen nicht möglich</translation>
    </message>
    <message>
        <source>Cannot record the consent</source>
        <translation>Die Einwilligung kann nicht erfasst werden</translation>
    </message>
    <message>
        <source>Cannot revoke the consent</source>
        <translation>Die Einwilligung kann nicht widerrufen werden</translation>
    </message>
</context>
<context>
    <name>wfx::ui::ShownOnceDialog</name>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy %1</source>
        <translation>%1 kopieren</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>&lt;b&gt;You will not see this again.&lt;/b&gt; Only a hash is stored; copy it now. If it is lost, make a new one.</source>
        <translation>&lt;b&gt;Sie sehen dies nicht noch einmal.&lt;/b&gt; Gespeichert wird nur ein Hash; kopieren Sie es jetzt. Geht es verloren, erstellen Sie ein neues.</translation>
    </message>
    <message>
        <source>I have copied it</source>
        <translation>Ich habe es kopiert</translation>
    </message>
</context>
<context>
    <name>wfx::ui::WorkspacesPanel</name>
    <message>
        <source>Owner</source>
        <translation>Inhaber</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>Admin</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Mitglied</translation>
    </message>
    <message>
        <source>Viewer</source>
        <translation>Betrachter</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Ausstehend</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Angenommen</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>Workspaces</source>
        <translation>Arbeitsbereiche</translation>
    </message>
    <message>
        <source>Workspaces list</source>
        <translation>Liste der Arbeitsbereiche</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Tarif</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Workspace name</source>
        <translation>Name des Arbeitsbereichs</translation>
    </message>
    <message>
        <source>Name for a new or the selected workspace</source>
        <translation>Name für einen neuen oder den ausgewählten Arbeitsbereich</translation>
    </message>
    <message>
        <source>Owner of a new workspace</source>
        <translation>Inhaber eines neuen Arbeitsbereichs</translation>
    </message>
    <message>
        <source>A workspace belongs to a person: the new workspace is created as this user</source>
        <translation>Ein Arbeitsbereich gehört einer Person: Der neue Arbeitsbereich wird als dieser Benutzer erstellt</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>O&amp;wner:</source>
        <translation>Inha&amp;ber:</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>&amp;Erstellen</translation>
    </message>
    <message>
        <source>Re&amp;name</source>
        <translation>&amp;Umbenennen</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen…</translation>
    </message>
    <message>
        <source>Selected workspace</source>
        <translation>Ausgewählter Arbeitsbereich</translation>
    </message>
    <message>
        <source>Projects list</source>
        <translation>Liste der Projekte</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>Projekt</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>Projektname</translation>
    </message>
    <message>
        <source>Create &amp;project</source>
        <translation>&amp;Projekt erstellen</translation>
    </message>
    <message>
        <source>Rename project</source>
        <translation>Projekt umbenennen</translation>
    </message>
    <message>
        <source>Delete project…</source>
        <translation>Projekt löschen…</translation>
    </message>
    <message>
        <source>Projects</source>
        <translation>Projekte</translation>
    </message>
    <message>
        <source>Members list</source>
        <translation>Liste der Mitglieder</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rolle</translation>
    </message>
    <message>
        <source>Member since</source>
        <translation>Mitglied seit</translation>
    </message>
    <message>
        <source>New role for the selected member</source>
        <translation>Neue Rolle für das ausgewählte Mitglied</translation>
    </message>
    <message>
        <source>Change &amp;role</source>
        <translation>&amp;Rolle ändern</translation>
    </message>
    <message>
        <source>Remove member…</source>
        <translation>Mitglied entfernen…</translation>
    </message>
    <message>
        <source>&amp;Transfer ownership…</source>
        <translation>Inhaberschaft &amp;übertragen…</translation>
    </message>
    <message>
        <source>Make the selected member the owner; the current owner becomes an admin</source>
        <translation>Das ausgewählte Mitglied zum Inhaber machen; der bisherige Inhaber wird Admin</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Invitations list</source>
        <translation>Liste der Einladungen</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Email to invite</source>
        <translation>Einzuladende E-Mail-Adresse</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>Role of the invited person</source>
        <translation>Rolle der eingeladenen Person</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>E&amp;inladen</translation>
    </message>
    <message>
        <source>Re&amp;voke…</source>
        <translation>&amp;Widerrufen…</translation>
    </message>
    <message>
        <source>Send this token to the invited person; it is shown only now:</source>
        <translation>Senden Sie dieses Token an die eingeladene Person; es wird nur jetzt angezeigt:</translation>
    </message>
    <message>
        <source>Invitation token, shown once</source>
        <translation>Einladungstoken, nur einmal angezeigt</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Invitations</source>
        <translation>Einladungen</translation>
    </message>
    <message>
        <source>Invitation token copied.</source>
        <translation>Einladungstoken kopiert.</translation>
    </message>
    <message>
        <source>Cannot list workspaces</source>
        <translation>Arbeitsbereiche können nicht aufgelistet werden</translation>
    </message>
    <message>
        <source>Owner: %1</source>
        <translation>Inhaber: %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Select a workspace to see its projects, members and invitations.</source>
        <translation>Wählen Sie einen Arbeitsbereich, um seine Projekte, Mitglieder und Einladungen zu sehen.</translation>
    </message>
    <message>
        <source>Cannot load the workspace</source>
        <translation>Der Arbeitsbereich kann nicht geladen werden</translation>
    </message>
    <message>
        <source>Projects (%1)</source>
        <translation>Projekte (%1)</translation>
    </message>
    <message>
        <source>Members (%1)</source>
        <translation>Mitglieder (%1)</translation>
    </message>
    <message>
        <source>Invitations (%1)</source>
        <translation>Einladungen (%1)</translation>
    </message>
    <message>
        <source>Choose the owner of the new workspace.</source>
        <translation>Wählen Sie den Inhaber des neuen Arbeitsbereichs.</translation>
    </message>
    <message>
        <source>Cannot create the workspace</source>
        <translation>Der Arbeitsbereich kann nicht erstellt werden</translation>
    </message>
    <message>
        <source>Created workspace “%1”.</source>
        <translation>Arbeitsbereich „%1“ erstellt.</translation>
    </message>
    <message>
        <source>Cannot rename the workspace</source>
        <translation>Der Arbeitsbereich kann nicht umbenannt werden</translation>
    </message>
    <message>
        <source>Renamed the workspace to “%1”.</source>
        <translation>Arbeitsbereich in „%1“ umbenannt.</translation>
    </message>
    <message>
        <source>Cannot delete the workspace</source>
        <translation>Der Arbeitsbereich kann nicht gelöscht werden</translation>
    </message>
    <message>
        <source>Delete the workspace “%1”? Its %2 and %3 go with it, with their metrics, logs and artifacts. This cannot be undone.</source>
        <translation>Den Arbeitsbereich „%1“ löschen? Seine %2 und %3 werden mit ihren Metriken, Logs und Artefakten mitgelöscht. Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message numerus="yes">
        <source>%n project(s)</source>
        <translation>
            <numerusform>%n Projekt</numerusform>
            <numerusform>%n Projekte</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n Lauf</numerusform>
            <numerusform>%n Läufe</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete workspace</source>
        <translation>Arbeitsbereich löschen</translation>
    </message>
    <message>
        <source>Deleted the workspace “%1”.</source>
        <translation>Arbeitsbereich „%1“ gelöscht.</translation>
    </message>
    <message>
        <source>Cannot create the project</source>
        <translation>Das Projekt kann nicht erstellt werden</translation>
    </message>
    <message>
        <source>Created project “%1”.</source>
        <translation>Projekt „%1“ erstellt.</translation>
    </message>
    <message>
        <source>Select a project to rename.</source>
        <translation>Wählen Sie ein Projekt zum Umbenennen.</translation>
    </message>
    <message>
        <source>Cannot rename the project</source>
        <translation>Das Projekt kann nicht umbenannt werden</translation>
    </message>
    <message>
        <source>Renamed the project to “%1”.</source>
        <translation>Projekt in „%1“ umbenannt.</translation>
    </message>
    <message>
        <source>Select a project to delete.</source>
        <translation>Wählen Sie ein Projekt zum Löschen.</translation>
    </message>
    <message>
        <source>Delete project</source>
        <translation>Projekt löschen</translation>
    </message>
    <message>
        <source>Delete the project “%1” and all of its runs? This cannot be undone.</source>
        <translation>Das Projekt „%1“ mit allen seinen Läufen löschen? Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Cannot delete the project</source>
        <translation>Das Projekt kann nicht gelöscht werden</translation>
    </message>
    <message>
        <source>Deleted the project “%1”.</source>
        <translation>Projekt „%1“ gelöscht.</translation>
    </message>
    <message>
        <source>Select a member first.</source>
        <translation>Wählen Sie zuerst ein Mitglied.</translation>
    </message>
    <message>
        <source>Cannot change the role</source>
        <translation>Die Rolle kann nicht geändert werden</translation>
    </message>
    <message>
        <source>Role changed to %1.</source>
        <translation>Rolle geändert: %1.</translation>
    </message>
    <message>
        <source>Remove member</source>
        <translation>Mitglied entfernen</translation>
    </message>
    <message>
        <source>Remove %1 from the workspace “%2”? They lose access at once.</source>
        <translation>%1 aus dem Arbeitsbereich „%2“ entfernen? Der Zugriff endet sofort.</translation>
    </message>
    <message>
        <source>Cannot remove the member</source>
        <translation>Das Mitglied kann nicht entfernt werden</translation>
    </message>
    <message>
        <source>Removed %1.</source>
        <translation>%1 entfernt.</translation>
    </message>
    <message>
        <source>Select the member who becomes the owner.</source>
        <translation>Wählen Sie das Mitglied, das Inhaber wird.</translation>
    </message>
    <message>
        <source>Transfer ownership</source>
        <translation>Inhaberschaft übertragen</translation>
    </message>
    <message>
        <source>Make %1 the owner of “%2”? The current owner becomes an admin.</source>
        <translation>%1 zum Inhaber von „%2“ machen? Der bisherige Inhaber wird Admin.</translation>
    </message>
    <message>
        <source>Cannot transfer ownership</source>
        <translation>Die Inhaberschaft kann nicht übertragen werden</translation>
    </message>
    <message>
        <source>%1 now owns the workspace.</source>
        <translation>%1 ist jetzt Inhaber des Arbeitsbereichs.</translation>
    </message>
    <message>
        <source>Cannot invite</source>
        <translation>Einladen nicht möglich</translation>
    </message>
    <message>
        <source>Invited %1.</source>
        <translation>%1 eingeladen.</translation>
    </message>
    <message>
        <source>Select an invitation first.</source>
        <translation>Wählen Sie zuerst eine Einladung.</translation>
    </message>
    <message>
        <source>Revoke invitation</source>
        <translation>Einladung widerrufen</translation>
    </message>
    <message>
        <source>Revoke the invitation for %1? Its token stops working.</source>
        <translation>Die Einladung für %1 widerrufen? Ihr Token wird ungültig.</translation>
    </message>
    <message>
        <source>Cannot revoke the invitation</source>
        <translation>Die Einladung kann nicht widerrufen werden</translation>
    </message>
    <message>
        <source>Revoked the invitation for %1.</source>
        <translation>Einladung für %1 widerrufen.</translation>
    </message>
</context>
</TS>
