<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>ErrorText</name>
    <message>
        <source>“%1” is required.</source>
        <translation>「%1」は必須です。</translation>
    </message>
    <message>
        <source>“%1” is too long.</source>
        <translation>「%1」が長すぎます。</translation>
    </message>
    <message>
        <source>“%1” is too short.</source>
        <translation>「%1」が短すぎます。</translation>
    </message>
    <message>
        <source>“%1” is too large.</source>
        <translation>「%1」が大きすぎます。</translation>
    </message>
    <message>
        <source>“%1” is out of range.</source>
        <translation>「%1」が範囲外です。</translation>
    </message>
    <message>
        <source>“%1” lies in the past.</source>
        <translation>「%1」が過去の日時です。</translation>
    </message>
    <message>
        <source>“%1” is unknown.</source>
        <translation>「%1」は不明な値です。</translation>
    </message>
    <message>
        <source>“%1” is not valid.</source>
        <translation>「%1」が正しくありません。</translation>
    </message>
    <message>
        <source>A value is not valid.</source>
        <translation>正しくない値があります。</translation>
    </message>
    <message>
        <source>It no longer exists, or you may not see it.</source>
        <translation>対象が存在しないか、閲覧する権限がありません。</translation>
    </message>
    <message>
        <source>It was changed or already exists; reload and try again.</source>
        <translation>対象が変更されたか、すでに存在します。再読み込みしてからもう一度お試しください。</translation>
    </message>
    <message>
        <source>Your role does not allow this.</source>
        <translation>現在のロールではこの操作は許可されていません。</translation>
    </message>
    <message>
        <source>The plan’s limit is reached.</source>
        <translation>プランの上限に達しました。</translation>
    </message>
    <message>
        <source>The credentials are not valid.</source>
        <translation>認証情報が正しくありません。</translation>
    </message>
    <message>
        <source>Sign in first.</source>
        <translation>先にサインインしてください。</translation>
    </message>
    <message>
        <source>Too many attempts; wait a moment and try again.</source>
        <translation>試行回数が多すぎます。しばらく待ってからもう一度お試しください。</translation>
    </message>
    <message>
        <source>This action is not supported here.</source>
        <translation>この操作はここではサポートされていません。</translation>
    </message>
    <message>
        <source>The service is not available right now; try again later.</source>
        <translation>サービスは現在利用できません。後でもう一度お試しください。</translation>
    </message>
    <message>
        <source>The signature is not valid.</source>
        <translation>署名が正しくありません。</translation>
    </message>
    <message>
        <source>An internal error occurred; the log has the details.</source>
        <translation>内部エラーが発生しました。詳細はログを確認してください。</translation>
    </message>
    <message>
        <source>The data is too large.</source>
        <translation>データが大きすぎます。</translation>
    </message>
    <message>
        <source>The action failed (%1).</source>
        <translation>操作に失敗しました（%1）。</translation>
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
        <translation>%1〜%2の整数を指定してください</translation>
    </message>
    <message>
        <source>must be true or false</source>
        <translation>true または false を指定してください</translation>
    </message>
    <message>
        <source>Listen address (an IP address).</source>
        <translation>待ち受けアドレス (IPアドレス)。</translation>
    </message>
    <message>
        <source>is not an IP address</source>
        <translation>IPアドレスではありません</translation>
    </message>
    <message>
        <source>TCP port; 0 picks a free one.</source>
        <translation>TCPポート。0を指定すると空いているポートを選びます。</translation>
    </message>
    <message>
        <source>Data folder (store, artifacts, TLS files, secrets fallback); empty: the platform data folder.</source>
        <translation>データフォルダー (ストア、アーティファクト、TLSファイル、シークレットの代替保存先)。空の場合はプラットフォームのデータフォルダーを使います。</translation>
    </message>
    <message>
        <source>sqlite: (store.db in the data folder), sqlite:/path.db, or postgresql://user:pass@host:port/db.</source>
        <translation>sqlite: (データフォルダー内の store.db)、sqlite:/path.db、または postgresql://user:pass@host:port/db。</translation>
    </message>
    <message>
        <source>Host names besides loopback the server answers for (comma separated).</source>
        <translation>ループバック以外にサーバーが応答するホスト名 (カンマ区切り)。</translation>
    </message>
    <message>
        <source>Serving threads.</source>
        <translation>処理スレッド数。</translation>
    </message>
    <message>
        <source>Largest JSON request body.</source>
        <translation>JSONリクエスト本文の最大サイズ。</translation>
    </message>
    <message>
        <source>Artifact upload part size.</source>
        <translation>アーティファクトのアップロードのパートサイズ。</translation>
    </message>
    <message>
        <source>Public share reads per client and minute.</source>
        <translation>クライアントごとの1分あたりの公開共有の閲覧回数。</translation>
    </message>
    <message>
        <source>Wrong share passwords per client before 429.</source>
        <translation>429を返すまでにクライアントごとに許容する共有パスワードの誤り回数。</translation>
    </message>
    <message>
        <source>Metric points one run may hold in all its syncs together.</source>
        <translation>1つの実行がすべての同期を合わせて保持できるメトリクスの点数。</translation>
    </message>
    <message>
        <source>Bytes of log one run may hold in all its syncs together.</source>
        <translation>1つの実行がすべての同期を合わせて保持できるログのバイト数。</translation>
    </message>
    <message>
        <source>Stripe webhook signing secret (whsec_...).</source>
        <translation>Stripe Webhookの署名シークレット (whsec_...)。</translation>
    </message>
    <message>
        <source>Command that sends a mail read from stdin; empty: mails stay in the outbox.</source>
        <translation>標準入力から読んだメールを送信するコマンド。空の場合、メールは送信トレイに残ります。</translation>
    </message>
    <message>
        <source>Stripe secret key; empty: the offline billing provider.</source>
        <translation>Stripeのシークレットキー。空の場合はオフラインの請求プロバイダーを使います。</translation>
    </message>
    <message>
        <source>Stripe API base URL.</source>
        <translation>Stripe APIのベースURL。</translation>
    </message>
    <message>
        <source>Stripe price id per plan, e.g. pro=price_1,team=price_2.</source>
        <translation>プランごとのStripeの価格ID。例: pro=price_1,team=price_2。</translation>
    </message>
    <message>
        <source>must be plan=price pairs separated by commas</source>
        <translation>カンマ区切りの plan=price の組で指定してください</translation>
    </message>
    <message>
        <source>Serve the end-to-end test fixtures routes.</source>
        <translation>エンドツーエンドテスト用のフィクスチャのルートを提供します。</translation>
    </message>
    <message>
        <source>Mark the instance as staging.</source>
        <translation>このインスタンスをステージングとして扱います。</translation>
    </message>
    <message>
        <source>TLS certificate chain (PEM); with --tls-key serves https.</source>
        <translation>TLS証明書チェーン (PEM)。--tls-key と併用すると https で提供します。</translation>
    </message>
    <message>
        <source>TLS private key (PEM).</source>
        <translation>TLS秘密鍵 (PEM)。</translation>
    </message>
    <message>
        <source>Serve https with a self-signed certificate kept in the data folder (tls/).</source>
        <translation>データフォルダー (tls/) に保管した自己署名証明書で https を提供します。</translation>
    </message>
    <message>
        <source>Log lines as plain text or one JSON object per line.</source>
        <translation>ログの形式 (プレーンテキスト、または1行に1つのJSONオブジェクト)。</translation>
    </message>
    <message>
        <source>must be plain or json</source>
        <translation>plain または json を指定してください</translation>
    </message>
    <message>
        <source>Subnets besides loopback that may read /metrics (comma separated, e.g. 10.0.0.0/8).</source>
        <translation>ループバック以外で /metrics を読み取れるサブネット (カンマ区切り。例: 10.0.0.0/8)。</translation>
    </message>
    <message>
        <source>has %1, which is not a subnet</source>
        <translation>%1 はサブネットではありません</translation>
    </message>
    <message>
        <source>Language of the console window (en, de, ...); empty: the system language.</source>
        <translation>コンソールウィンドウの言語 (en、de、...)。空の場合はシステムの言語を使います。</translation>
    </message>
    <message>
        <source>must be one of %1, or empty for the system language</source>
        <translation>%1 のいずれかを指定するか、システムの言語を使う場合は空にしてください</translation>
    </message>
    <message>
        <source>Load balancers or reverse proxies in front of the server (comma separated subnets). Only from these peers is the client address taken from Forwarded / X-Forwarded-For (the rightmost address that is not itself a trusted proxy); rate limits, lockouts, the access log and audit entries use it.</source>
        <translation>サーバーの前段にあるロードバランサーまたはリバースプロキシ（カンマ区切りのサブネット）。これらの接続元に限り、クライアントのアドレスを Forwarded / X-Forwarded-For から取得します（それ自体が信頼済みプロキシではない、最も右のアドレス）。レート制限、ロックアウト、アクセスログ、監査エントリはこのアドレスを使います。</translation>
    </message>
</context>
<context>
    <name>wfx::ConfigSettingsBackend</name>
    <message>
        <source>no secret store</source>
        <translation>シークレットストアなし</translation>
    </message>
    <message>
        <source>the OS keychain</source>
        <translation>OSのキーチェーン</translation>
    </message>
    <message>
        <source>the secrets file %1 (no OS keychain answered)</source>
        <translation>シークレットファイル %1 (OSのキーチェーンが応答しませんでした)</translation>
    </message>
</context>
<context>
    <name>wfx::Words</name>
    <message>
        <source>an email address</source>
        <translation>メールアドレス</translation>
    </message>
    <message>
        <source>a wfx_ API key</source>
        <translation>wfx_ API キー</translation>
    </message>
    <message>
        <source>the public payload policy itself is invalid: %1</source>
        <translation>公開ペイロードのポリシー自体が不正です: %1</translation>
    </message>
    <message>
        <source>its name looks like a secret (matches &quot;%1&quot;)</source>
        <translation>名前が秘密情報のように見えます（「%1」に一致）</translation>
    </message>
    <message>
        <source>its name looks like %1</source>
        <translation>名前が%1のように見えます</translation>
    </message>
    <message>
        <source>its value looks like %1</source>
        <translation>値が%1のように見えます</translation>
    </message>
    <message>
        <source>it is nested too deeply to be judged</source>
        <translation>入れ子が深すぎて判定できません</translation>
    </message>
    <message>
        <source>the shared run no longer exists</source>
        <translation>共有されたランはもう存在しません</translation>
    </message>
    <message>
        <source>the run&apos;s signature does not verify against its manifest (evidence unverified)</source>
        <translation>ランの署名がマニフェストに対して検証できません（エビデンス未検証）</translation>
    </message>
    <message>
        <source>the shared artifact was deleted</source>
        <translation>共有されたアーティファクトは削除されました</translation>
    </message>
    <message>
        <source>the shared artifact belongs to another run, which this share does not make public</source>
        <translation>共有されたアーティファクトは別のランに属しており、この共有はそのランを公開しません</translation>
    </message>
    <message>
        <source>the shared artifact %1 is %2, not committed</source>
        <translation>共有されたアーティファクト %1 は %2 で、確定していません</translation>
    </message>
    <message>
        <source>field %1 breaks the public payload policy: %2</source>
        <translation>フィールド %1 は公開ペイロードのポリシーに違反しています: %2</translation>
    </message>
    <message>
        <source>the share is active and its snapshot may be shown</source>
        <translation>共有は有効で、そのスナップショットを表示できます</translation>
    </message>
    <message>
        <source>No client address given: the read budget and the password lock were not checked.</source>
        <translation>クライアントアドレスが指定されていません。読み取り上限とパスワードロックは確認していません。</translation>
    </message>
    <message>
        <source>%1 has used all %2 reads of the last window; the next read is allowed in %3</source>
        <translation>%1 は直近の時間枠の読み取り %2 回をすべて使いました。次の読み取りは %3 後に可能です</translation>
    </message>
    <message>
        <source>%1 has used all %2 reads of the last window for tokens that match no share; the next read is allowed in %3</source>
        <translation>%1 は、どの共有にも一致しないトークンでの直近の時間枠の読み取り %2 回をすべて使いました。次の読み取りは %3 後に可能です</translation>
    </message>
    <message>
        <source>%1 has %2 of %3 reads left in the last window.</source>
        <translation>%1 は直近の時間枠で読み取りが %3 回中 %2 回残っています。</translation>
    </message>
    <message>
        <source>the token is malformed: a share token is %1 followed by 43 base64url characters</source>
        <translation>トークンの形式が不正です。共有トークンは %1 の後に base64url 文字が 43 個続きます</translation>
    </message>
    <message>
        <source>no share in your workspaces matches this token or id</source>
        <translation>あなたのワークスペースには、このトークンまたは ID に一致する共有がありません</translation>
    </message>
    <message>
        <source>revoked %1 ago, at %2</source>
        <translation>%1 前（%2）に取り消されました</translation>
    </message>
    <message>
        <source>expired %1 ago, at %2</source>
        <translation>%1 前（%2）に期限切れになりました</translation>
    </message>
    <message>
        <source>locked for %1 until %2 (in %3) after %4 wrong passwords</source>
        <translation>%4 回のパスワード誤りにより、%1 は %2 まで（あと %3）ロックされています</translation>
    </message>
    <message>
        <source>the share has a password; a reader who sends none gets 401, a wrong one 401, and %1 wrong ones within %2 lock it for that reader for %3</source>
        <translation>この共有にはパスワードがあります。送らない読者にも誤ったものを送る読者にも 401 を返し、%2 以内に %1 回誤るとその読者には %3 の間ロックされます</translation>
    </message>
    <message>
        <source>Expires in %1, at %2.</source>
        <translation>%1 後（%2）に期限切れになります。</translation>
    </message>
    <message>
        <source>Once the read window ends it answers %1: %2.</source>
        <translation>読み取りの時間枠が終わると %1 を返します: %2。</translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation>
            <numerusform>%n 秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n 分</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n 時間</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n 日</numerusform>
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
        <translation>ユーザーのすべてのワークスペース</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>未使用</translation>
    </message>
    <message>
        <source>The start of the secret; the secret itself is not stored</source>
        <translation>シークレットの先頭部分です。シークレット自体は保存されません</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>キー</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>スコープ</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>最終使用</translation>
    </message>
</context>
<context>
    <name>wfx::ui::ApiKeysPanel</name>
    <message>
        <source>API keys</source>
        <translation>APIキー</translation>
    </message>
    <message>
        <source>User</source>
        <translation>ユーザー</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>ユーザー(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Issue key…</source>
        <translation>キーを発行(&amp;I)…</translation>
    </message>
    <message>
        <source>R&amp;otate…</source>
        <translation>ローテーション(&amp;O)…</translation>
    </message>
    <message>
        <source>A new secret for the selected key; the old one stops working at once</source>
        <translation>選択したキーに新しいシークレットを発行します。古いシークレットは直ちに無効になります</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>取り消し(&amp;R)…</translation>
    </message>
    <message>
        <source>API keys of the user</source>
        <translation>ユーザーのAPIキー</translation>
    </message>
    <message>
        <source>Secrets are shown once, when a key is issued or rotated; only their hash is stored. Revoked keys are not listed.</source>
        <translation>シークレットはキーの発行時またはローテーション時に一度だけ表示されます。保存されるのはハッシュのみです。取り消されたキーは一覧に表示されません。</translation>
    </message>
    <message>
        <source>Cannot list users: %1</source>
        <translation>ユーザーを一覧表示できません: %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>%1 (administrator)</source>
        <translation>%1 (管理者)</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>シークレット</translation>
    </message>
    <message>
        <source>Cannot issue the key: %1</source>
        <translation>キーを発行できません: %1</translation>
    </message>
    <message>
        <source>API key issued</source>
        <translation>APIキーを発行しました</translation>
    </message>
    <message>
        <source>The secret of “%1”. Use it as “Authorization: Bearer &lt;secret&gt;”.</source>
        <translation>「%1」のシークレットです。「Authorization: Bearer &lt;secret&gt;」の形式で使用してください。</translation>
    </message>
    <message>
        <source>Key “%1” issued.</source>
        <translation>キー「%1」を発行しました。</translation>
    </message>
    <message>
        <source>Rotate key</source>
        <translation>キーをローテーション</translation>
    </message>
    <message>
        <source>Rotate the key “%1” (%2…)? The current secret stops working at once.</source>
        <translation>キー「%1」(%2…) をローテーションしますか？現在のシークレットは直ちに無効になります。</translation>
    </message>
    <message>
        <source>Rotate</source>
        <translation>ローテーション</translation>
    </message>
    <message>
        <source>API key rotated</source>
        <translation>APIキーをローテーションしました</translation>
    </message>
    <message>
        <source>The new secret of “%1”; the old one no longer works.</source>
        <translation>「%1」の新しいシークレットです。古いシークレットはもう使用できません。</translation>
    </message>
    <message>
        <source>Key “%1” rotated.</source>
        <translation>キー「%1」をローテーションしました。</translation>
    </message>
    <message>
        <source>Revoke key</source>
        <translation>キーを取り消す</translation>
    </message>
    <message>
        <source>Revoke the key “%1” (%2…)? Programs using it are refused from now on. This cannot be undone.</source>
        <translation>キー「%1」(%2…) を取り消しますか？今後、このキーを使うプログラムは拒否されます。この操作は元に戻せません。</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>取り消す</translation>
    </message>
    <message>
        <source>Key “%1” revoked.</source>
        <translation>キー「%1」を取り消しました。</translation>
    </message>
    <message>
        <source>Cannot load keys: %1</source>
        <translation>キーを読み込めません: %1</translation>
    </message>
    <message>
        <source>This user has no live keys.</source>
        <translation>このユーザーには有効なキーがありません。</translation>
    </message>
    <message numerus="yes">
        <source>%n live key(s)</source>
        <translation>
            <numerusform>有効なキー: %n件</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot rotate</source>
        <translation>ローテーションできません</translation>
    </message>
    <message>
        <source>Cannot revoke</source>
        <translation>取り消せません</translation>
    </message>
</context>
<context>
    <name>wfx::ui::AuditModel</name>
    <message>
        <source>System</source>
        <translation>システム</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>Entry %1, hash %2</source>
        <translation>エントリ %1、ハッシュ %2</translation>
    </message>
    <message>
        <source>From %1</source>
        <translation>送信元: %1</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>日時</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>操作者</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>対象</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>ワークスペース</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>詳細</translation>
    </message>
</context>
<context>
    <name>wfx::ui::AuditPanel</name>
    <message>
        <source>Audit log</source>
        <translation>監査ログ</translation>
    </message>
    <message>
        <source>Actor filter</source>
        <translation>操作者フィルター</translation>
    </message>
    <message>
        <source>Any actor</source>
        <translation>すべての操作者</translation>
    </message>
    <message>
        <source>Action filter</source>
        <translation>操作フィルター</translation>
    </message>
    <message>
        <source>Any action</source>
        <translation>すべての操作</translation>
    </message>
    <message>
        <source>Target type filter</source>
        <translation>対象の種類フィルター</translation>
    </message>
    <message>
        <source>Target type</source>
        <translation>対象の種類</translation>
    </message>
    <message>
        <source>Target id filter</source>
        <translation>対象IDフィルター</translation>
    </message>
    <message>
        <source>Target id</source>
        <translation>対象ID</translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation>開始(&amp;F)</translation>
    </message>
    <message>
        <source>Entries from</source>
        <translation>この日時以降のエントリ</translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation>終了(&amp;T)</translation>
    </message>
    <message>
        <source>Entries before</source>
        <translation>この日時より前のエントリ</translation>
    </message>
    <message>
        <source>&amp;Apply filter</source>
        <translation>フィルターを適用(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Verify chain</source>
        <translation>チェーンを検証(&amp;V)</translation>
    </message>
    <message>
        <source>Recompute every entry&apos;s hash and check that each follows the one before</source>
        <translation>すべてのエントリのハッシュを再計算し、各エントリが直前のエントリに正しく続いていることを確認します</translation>
    </message>
    <message>
        <source>Export &amp;CSV…</source>
        <translation>CSVをエクスポート(&amp;C)…</translation>
    </message>
    <message>
        <source>Export &amp;JSON…</source>
        <translation>JSONをエクスポート(&amp;J)…</translation>
    </message>
    <message>
        <source>Write the entries of the current filter to a file</source>
        <translation>現在のフィルターに一致するエントリをファイルに書き出します</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>進行状況</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Verification result</source>
        <translation>検証結果</translation>
    </message>
    <message>
        <source>Audit entries</source>
        <translation>監査エントリ</translation>
    </message>
    <message>
        <source>%1 entries</source>
        <translation>%1件のエントリ</translation>
    </message>
    <message>
        <source>(%1)</source>
        <translation>(%1)</translation>
    </message>
    <message>
        <source>New entries were written; scroll to the top or apply the filter to see them.</source>
        <translation>新しいエントリが書き込まれました。表示するには、先頭までスクロールするかフィルターを適用してください。</translation>
    </message>
    <message>
        <source>Export audit log</source>
        <translation>監査ログをエクスポート</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV ファイル (*.csv)</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON ファイル (*.json)</translation>
    </message>
    <message>
        <source>Cannot load the audit log: %1</source>
        <translation>監査ログを読み込めません: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown, loading more…</source>
        <translation>
            <numerusform>%n件のエントリを表示中。さらに読み込んでいます…</numerusform>
        </translation>
    </message>
    <message>
        <source>No entries match.</source>
        <translation>一致するエントリはありません。</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s), all shown</source>
        <translation>
            <numerusform>%n件のエントリ (すべて表示)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n件のエントリを表示中。スクロールすると続きを表示します</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>キャンセルしています…</translation>
    </message>
    <message>
        <source>Verifying the chain…</source>
        <translation>チェーンを検証しています…</translation>
    </message>
    <message numerus="yes">
        <source>The chain is intact: %n entry(s) checked, each follows the one before and none was altered.</source>
        <translation>
            <numerusform>チェーンは完全です: %n件のエントリを確認しました。各エントリは直前のエントリに正しく続いており、改ざんされたものはありません。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Verification cancelled after %n entry(s); no verdict.</source>
        <translation>
            <numerusform>%n件のエントリを確認した時点で検証がキャンセルされました。判定はありません。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The chain is broken. First bad entry: #%1 (%2). %n entry(s) before it are intact.</source>
        <translation>
            <numerusform>チェーンが壊れています。最初の不正なエントリ: #%1 (%2)。それより前の%n件のエントリは正常です。</numerusform>
        </translation>
    </message>
    <message>
        <source>Entry #%1 is “%2” by %3 at %4.</source>
        <translation>エントリ #%1 は、%4 に %3 が行った「%2」です。</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>%1 にエクスポートしています…</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n entry(s) to %1.</source>
        <translation>
            <numerusform>%n件のエントリを %1 にエクスポートしました。</numerusform>
        </translation>
    </message>
    <message>
        <source>Export cancelled; no file was written.</source>
        <translation>エクスポートはキャンセルされました。ファイルは書き込まれていません。</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>エクスポートに失敗しました: %1</translation>
    </message>
</context>
<context>
    <name>wfx::ui::BillingPanel</name>
    <message>
        <source>Runs</source>
        <translation>ラン</translation>
    </message>
    <message>
        <source>Artifact storage</source>
        <translation>アーティファクトストレージ</translation>
    </message>
    <message>
        <source>Compute time</source>
        <translation>計算時間</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1時間</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>請求</translation>
    </message>
    <message>
        <source>&amp;Workspace:</source>
        <translation>ワークスペース(&amp;W):</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>ワークスペース</translation>
    </message>
    <message>
        <source>Change &amp;plan to:</source>
        <translation>変更先のプラン(&amp;P):</translation>
    </message>
    <message>
        <source>Plan to check out</source>
        <translation>チェックアウトするプラン</translation>
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
        <translation>チェックアウト(&amp;C)…</translation>
    </message>
    <message>
        <source>Open the payment page for the chosen plan in the browser</source>
        <translation>選択したプランの支払いページをブラウザーで開きます</translation>
    </message>
    <message>
        <source>Billing p&amp;ortal…</source>
        <translation>請求ポータル(&amp;O)…</translation>
    </message>
    <message>
        <source>Open the provider&apos;s page for invoices and payment methods</source>
        <translation>請求書と支払い方法を管理する決済プロバイダーのページを開きます</translation>
    </message>
    <message>
        <source>Usage against the plan&apos;s caps</source>
        <translation>プランの上限に対する使用量</translation>
    </message>
    <message>
        <source>%1 used</source>
        <translation>%1の使用量</translation>
    </message>
    <message>
        <source>Open reservations</source>
        <translation>未確定の予約</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>メトリクス</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Idempotency key</source>
        <translation>冪等キー</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>予約日時</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>有効期限</translation>
    </message>
    <message>
        <source>Webhook events received (all workspaces)</source>
        <translation>受信したWebhookイベント (すべてのワークスペース)</translation>
    </message>
    <message>
        <source>Webhook events</source>
        <translation>Webhookイベント</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受信日時</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>種類</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>適用済み</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>結果</translation>
    </message>
    <message>
        <source>Event id</source>
        <translation>イベントID</translation>
    </message>
    <message>
        <source>Cannot load billing: %1</source>
        <translation>請求情報を読み込めません: %1</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>はい</translation>
    </message>
    <message>
        <source>No</source>
        <translation>いいえ</translation>
    </message>
    <message>
        <source>A repeated delivery of an event already recorded</source>
        <translation>記録済みのイベントが重複して配信されたものです</translation>
    </message>
    <message>
        <source>No workspaces yet.</source>
        <translation>ワークスペースはまだありません。</translation>
    </message>
    <message>
        <source>Cannot load usage: %1</source>
        <translation>使用量を読み込めません: %1</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%2 %1</translation>
    </message>
    <message>
        <source>Plan: &lt;b&gt;%1&lt;/b&gt; (caps: %2)</source>
        <translation>プラン: &lt;b&gt;%1&lt;/b&gt; (上限: %2)</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1%</translation>
    </message>
    <message>
        <source>%1 used + %2 reserved of %3</source>
        <translation>使用済み %1 + 予約済み %2 (上限 %3)</translation>
    </message>
    <message>
        <source>Opened the %1 page: %2</source>
        <translation>%1のページを開きました: %2</translation>
    </message>
    <message>
        <source>Cannot open a browser; open this address: %1</source>
        <translation>ブラウザーを開けません。次のアドレスを開いてください: %1</translation>
    </message>
    <message>
        <source>checkout</source>
        <translation>チェックアウト</translation>
    </message>
    <message>
        <source>billing portal</source>
        <translation>請求ポータル</translation>
    </message>
    <message numerus="yes">
        <source>%Ln run(s)</source>
        <translation>
            <numerusform>ラン %Ln件</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of artifact storage</source>
        <translation>アーティファクトストレージ %1</translation>
    </message>
    <message>
        <source>%1 of compute time</source>
        <translation>計算時間 %1</translation>
    </message>
    <message>
        <source>Cannot start a checkout</source>
        <translation>チェックアウトを開始できません</translation>
    </message>
    <message>
        <source>Cannot open the billing portal</source>
        <translation>請求ポータルを開けません</translation>
    </message>
</context>
<context>
    <name>wfx::ui::CreateShareDialog</name>
    <message>
        <source>New share link</source>
        <translation>新しい共有リンク</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>ラン</translation>
    </message>
    <message>
        <source>Pick a recent run or paste a run id</source>
        <translation>最近のランを選択するか、ランIDを貼り付けてください</translation>
    </message>
    <message>
        <source>&amp;Run:</source>
        <translation>ラン(&amp;R):</translation>
    </message>
    <message>
        <source>Password (optional)</source>
        <translation>パスワード (任意)</translation>
    </message>
    <message>
        <source>Optional, at least %1 characters</source>
        <translation>任意。%1文字以上</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>パスワード(&amp;P):</translation>
    </message>
    <message>
        <source>&amp;Expires</source>
        <translation>有効期限(&amp;E)</translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation>有効期限</translation>
    </message>
    <message>
        <source>Artifact id (optional)</source>
        <translation>アーティファクトID (任意)</translation>
    </message>
    <message>
        <source>Optional: share one artifact of the run</source>
        <translation>任意: ランのアーティファクトを1つだけ共有します</translation>
    </message>
    <message>
        <source>&amp;Artifact id:</source>
        <translation>アーティファクトID(&amp;A):</translation>
    </message>
    <message>
        <source>Create link</source>
        <translation>リンクを作成</translation>
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
        <translation>エクスポート</translation>
    </message>
    <message>
        <source>Deletion</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>Restriction</source>
        <translation>処理の制限</translation>
    </message>
    <message>
        <source>Objection</source>
        <translation>異議</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>予定済み</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>キャンセル済み</translation>
    </message>
    <message>
        <source>In force</source>
        <translation>適用中</translation>
    </message>
    <message>
        <source>Lifted</source>
        <translation>解除済み</translation>
    </message>
    <message>
        <source>DSAR requests</source>
        <translation>DSARリクエスト</translation>
    </message>
    <message>
        <source>Data-subject requests from every account: exports, scheduled deletions, restrictions of processing and objections.</source>
        <translation>すべてのアカウントからのデータ主体リクエスト (エクスポート、予定された削除、処理の制限、異議) です。</translation>
    </message>
    <message>
        <source>Request queue</source>
        <translation>リクエストキュー</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>種類</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>対象者</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受付日時</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Scheduled for</source>
        <translation>予定日時</translation>
    </message>
    <message>
        <source>Cancel &amp;deletion…</source>
        <translation>削除をキャンセル(&amp;D)…</translation>
    </message>
    <message>
        <source>Carry out deletion &amp;now…</source>
        <translation>今すぐ削除を実行(&amp;N)…</translation>
    </message>
    <message>
        <source>Delete the account and the workspaces it owns before the grace period ends</source>
        <translation>猶予期間の終了を待たずに、アカウントとそのアカウントが所有するワークスペースを削除します</translation>
    </message>
    <message>
        <source>&amp;Lift restriction</source>
        <translation>制限を解除(&amp;L)</translation>
    </message>
    <message>
        <source>E&amp;xport the data of:</source>
        <translation>データをエクスポートする対象者(&amp;X):</translation>
    </message>
    <message>
        <source>Person whose data to export</source>
        <translation>データをエクスポートする対象者</translation>
    </message>
    <message>
        <source>&amp;Export to file…</source>
        <translation>ファイルにエクスポート(&amp;E)…</translation>
    </message>
    <message>
        <source>Export progress</source>
        <translation>エクスポートの進行状況</translation>
    </message>
    <message>
        <source>Cancel export</source>
        <translation>エクスポートをキャンセル</translation>
    </message>
    <message>
        <source>Export personal data</source>
        <translation>個人データをエクスポート</translation>
    </message>
    <message>
        <source>data-export-%1.json</source>
        <translation>data-export-%1.json</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON ファイル (*.json)</translation>
    </message>
    <message>
        <source>Cannot list requests: %1</source>
        <translation>リクエストを一覧表示できません: %1</translation>
    </message>
    <message>
        <source>%1 (account deleted)</source>
        <translation>%1 (アカウント削除済み)</translation>
    </message>
    <message>
        <source>Exporting the data of %1…</source>
        <translation>%1 のデータをエクスポートしています…</translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation>%1 に書き込めません。</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written (the export request stays recorded).</source>
        <translation>エクスポートはキャンセルされました。ファイルは書き込まれていません (エクスポートのリクエストは記録されたままです)。</translation>
    </message>
    <message>
        <source>Export of %1 failed: %2</source>
        <translation>%1 のエクスポートに失敗しました: %2</translation>
    </message>
    <message>
        <source>Exported the data of %1 to %2 (%3).</source>
        <translation>%1 のデータを %2 にエクスポートしました (%3)。</translation>
    </message>
    <message>
        <source>Cancelling the export…</source>
        <translation>エクスポートをキャンセルしています…</translation>
    </message>
    <message>
        <source>Cancel deletion</source>
        <translation>削除をキャンセル</translation>
    </message>
    <message>
        <source>Cancel the scheduled deletion of the account %1? The account stays.</source>
        <translation>アカウント %1 の削除予定をキャンセルしますか？アカウントは残ります。</translation>
    </message>
    <message>
        <source>The deletion of %1 is cancelled.</source>
        <translation>%1 の削除をキャンセルしました。</translation>
    </message>
    <message>
        <source>Delete account now</source>
        <translation>アカウントを今すぐ削除</translation>
    </message>
    <message>
        <source>Delete the account %1 now, before its grace period ends? The workspaces it owns go with it, with all their projects and runs. This cannot be undone.</source>
        <translation>猶予期間の終了を待たずに、アカウント %1 を今すぐ削除しますか？このアカウントが所有するワークスペースも、そのすべてのプロジェクトとランとともに削除されます。この操作は元に戻せません。</translation>
    </message>
    <message>
        <source>Delete account</source>
        <translation>アカウントを削除</translation>
    </message>
    <message>
        <source>The account %1 was deleted.</source>
        <translation>アカウント %1 を削除しました。</translation>
    </message>
    <message>
        <source>The restriction on %1 is lifted.</source>
        <translation>%1 の処理の制限を解除しました。</translation>
    </message>
    <message>
        <source>Cannot cancel the deletion of %1</source>
        <translation>%1 の削除をキャンセルできません</translation>
    </message>
    <message>
        <source>Cannot delete the account %1</source>
        <translation>アカウント %1 を削除できません</translation>
    </message>
    <message>
        <source>Cannot lift the restriction on %1</source>
        <translation>%1 の処理の制限を解除できません</translation>
    </message>
</context>
<context>
    <name>wfx::ui::FirstRunWizard</name>
    <message>
        <source>Set up WorldFlux Console</source>
        <translation>WorldFlux Console のセットアップ</translation>
    </message>
    <message>
        <source>First-run guide</source>
        <translation>初回セットアップガイド</translation>
    </message>
    <message>
        <source>Create the administrator</source>
        <translation>管理者を作成</translation>
    </message>
    <message>
        <source>This instance has no account yet. The first account administers the whole instance.</source>
        <translation>このインスタンスにはまだアカウントがありません。最初のアカウントがインスタンス全体を管理します。</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>メールアドレス</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>パスワード (確認)</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>メールアドレス(&amp;E):</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名前(&amp;N):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>パスワード(&amp;P):</translation>
    </message>
    <message>
        <source>Password &amp;again:</source>
        <translation>パスワード (確認)(&amp;A):</translation>
    </message>
    <message numerus="yes">
        <source>At least %n character(s).</source>
        <translation>
            <numerusform>%n文字以上。</numerusform>
        </translation>
    </message>
    <message>
        <source>Create a workspace</source>
        <translation>ワークスペースを作成</translation>
    </message>
    <message>
        <source>Runs belong to a project in a workspace. The administrator owns this one.</source>
        <translation>ランはワークスペース内のプロジェクトに属します。このワークスペースのオーナーは管理者です。</translation>
    </message>
    <message>
        <source>Workspace name</source>
        <translation>ワークスペース名</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>プロジェクト名</translation>
    </message>
    <message>
        <source>first-project</source>
        <translation>first-project</translation>
    </message>
    <message>
        <source>&amp;Workspace:</source>
        <translation>ワークスペース(&amp;W):</translation>
    </message>
    <message>
        <source>&amp;Project:</source>
        <translation>プロジェクト(&amp;P):</translation>
    </message>
    <message>
        <source>Issue an API key</source>
        <translation>APIキーを発行</translation>
    </message>
    <message>
        <source>Training code syncs runs with an API key. Its secret is shown once, when it is issued.</source>
        <translation>トレーニングコードはAPIキーでランを同期します。シークレットは発行時に一度だけ表示されます。</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>キー名</translation>
    </message>
    <message>
        <source>first key</source>
        <translation>最初のキー</translation>
    </message>
    <message>
        <source>Key &amp;name:</source>
        <translation>キー名(&amp;N):</translation>
    </message>
    <message>
        <source>Sync a first run</source>
        <translation>最初のランを同期</translation>
    </message>
    <message>
        <source>Run this command in a terminal on a machine that reaches this server. The run appears in the Runs panel at once.</source>
        <translation>このサーバーに接続できるマシンのターミナルでこのコマンドを実行してください。ランはすぐに「ラン」パネルに表示されます。</translation>
    </message>
    <message>
        <source>Command that syncs a first run</source>
        <translation>最初のランを同期するコマンド</translation>
    </message>
    <message>
        <source>&amp;Copy command</source>
        <translation>コマンドをコピー(&amp;C)</translation>
    </message>
    <message>
        <source>The command holds the API key&apos;s secret: keep it private.</source>
        <translation>このコマンドにはAPIキーのシークレットが含まれています。他人に見せないでください。</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>処理中…</translation>
    </message>
    <message>
        <source>Enter an email address such as admin@example.org.</source>
        <translation>admin@example.org のようなメールアドレスを入力してください。</translation>
    </message>
    <message>
        <source>Enter the administrator&apos;s name.</source>
        <translation>管理者の名前を入力してください。</translation>
    </message>
    <message>
        <source>The name is too long.</source>
        <translation>名前が長すぎます。</translation>
    </message>
    <message numerus="yes">
        <source>The password needs at least %n character(s).</source>
        <translation>
            <numerusform>パスワードは%n文字以上必要です。</numerusform>
        </translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>2つのパスワードが一致しません。</translation>
    </message>
    <message>
        <source>Enter a name for the workspace and for its first project.</source>
        <translation>ワークスペースとその最初のプロジェクトの名前を入力してください。</translation>
    </message>
    <message>
        <source>Enter a name for the key, e.g. where it will be used.</source>
        <translation>キーの名前を入力してください (例: 使用する場所)。</translation>
    </message>
    <message>
        <source>API key issued</source>
        <translation>APIキーを発行しました</translation>
    </message>
    <message>
        <source>Copy the secret now: it is shown here once and never again. The next page puts it into the command that syncs a first run.</source>
        <translation>今すぐシークレットをコピーしてください。ここで一度だけ表示され、二度と表示されません。次のページで、最初のランを同期するコマンドに組み込まれます。</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>シークレット</translation>
    </message>
    <message>
        <source>From Python training code: %1 (standard library only) syncs a run while it trains, with this address and key.</source>
        <translation>Pythonのトレーニングコードからは、%1（標準ライブラリのみ）が、このアドレスとキーで学習中のランを同期します。</translation>
    </message>
</context>
<context>
    <name>wfx::ui::IssueKeyDialog</name>
    <message>
        <source>Issue an API key</source>
        <translation>APIキーの発行</translation>
    </message>
    <message>
        <source>A new key for %1.</source>
        <translation>%1 に新しいキーを発行します。</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>キー名</translation>
    </message>
    <message>
        <source>e.g. training cluster</source>
        <translation>例: 学習クラスター</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名前(&amp;N):</translation>
    </message>
    <message>
        <source>Workspace scope</source>
        <translation>ワークスペースのスコープ</translation>
    </message>
    <message>
        <source>Not scoped (all of the user&apos;s workspaces)</source>
        <translation>スコープなし (ユーザーのすべてのワークスペース)</translation>
    </message>
    <message>
        <source>&amp;Scope:</source>
        <translation>スコープ(&amp;S):</translation>
    </message>
    <message>
        <source>Issue key</source>
        <translation>キーを発行</translation>
    </message>
</context>
<context>
    <name>wfx::ui::MailModel</name>
    <message>
        <source>Sent %1</source>
        <translation>送信済み %1</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>未送信: %1</translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>送信待ち</translation>
    </message>
    <message>
        <source>To</source>
        <translation>宛先</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>件名</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>送信</translation>
    </message>
</context>
<context>
    <name>wfx::ui::MailPanel</name>
    <message>
        <source>Mail outbox</source>
        <translation>送信メール</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>更新(&amp;R)</translation>
    </message>
    <message>
        <source>Every message the console wrote: password resets and invitations. Without a mail command (setting sendmail, or WFX_SENDMAIL) nothing is sent; read here who asked for what. One-time links are never stored, so bodies show them withheld.</source>
        <translation>コンソールが作成したすべてのメッセージ (パスワードのリセットと招待) です。メールコマンド (設定 sendmail または WFX_SENDMAIL) がない場合は何も送信されません。誰が何を依頼したかをここで確認できます。ワンタイムリンクは保存されないため、本文では伏せて表示されます。</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>メッセージ</translation>
    </message>
    <message>
        <source>Message body</source>
        <translation>メッセージ本文</translation>
    </message>
    <message>
        <source>Choose a message to read it.</source>
        <translation>読むメッセージを選択してください。</translation>
    </message>
    <message>
        <source>To: %1
Subject: %2
%3

%4</source>
        <translation>宛先: %1
件名: %2
%3

%4</translation>
    </message>
    <message>
        <source>Cannot load the outbox: %1</source>
        <translation>送信メールを読み込めません: %1</translation>
    </message>
    <message>
        <source>No messages yet.</source>
        <translation>メッセージはまだありません。</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) shown</source>
        <translation>
            <numerusform>%n件のメッセージを表示中</numerusform>
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
        <translation>概要</translation>
    </message>
    <message>
        <source>Workspaces</source>
        <translation>ワークスペース</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>ラン</translation>
    </message>
    <message>
        <source>Shares</source>
        <translation>共有</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>APIキー</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>請求</translation>
    </message>
    <message>
        <source>DSAR requests</source>
        <translation>DSARリクエスト</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>監査ログ</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Areas</source>
        <translation>エリア</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1 (Ctrl+%2)</translation>
    </message>
    <message>
        <source>Serving on %1</source>
        <translation>%1 で稼働中</translation>
    </message>
    <message>
        <source>Server stopped</source>
        <translation>サーバー停止中</translation>
    </message>
    <message>
        <source>Mail outbox</source>
        <translation>送信メール</translation>
    </message>
</context>
<context>
    <name>wfx::ui::MetricChart</name>
    <message>
        <source>Metric chart</source>
        <translation>メトリクスグラフ</translation>
    </message>
    <message>
        <source>Lo&amp;g scale</source>
        <translation>対数目盛(&amp;G)</translation>
    </message>
    <message>
        <source>Smoot&amp;hing:</source>
        <translation>平滑化(&amp;H):</translation>
    </message>
    <message>
        <source>Weight of the exponential moving average; 0 shows the values as logged</source>
        <translation>指数移動平均の重み。0 で記録された値をそのまま表示します</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>ステップ</translation>
    </message>
    <message numerus="yes">
        <source>%n point(s) at or below zero left out: a log scale cannot show them.</source>
        <translation>
            <numerusform>0 以下の %n 点を除外しました: 対数目盛では表示できません。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1
step %2: %3</source>
        <translation>%1
ステップ %2: %3</translation>
    </message>
    <message>
        <source>%1
step %2: %3 smoothed, %4 logged</source>
        <translation>%1
ステップ %2: 平滑化 %3、記録値 %4</translation>
    </message>
</context>
<context>
    <name>wfx::ui::OverviewPanel</name>
    <message>
        <source>%1 d %2 h %3 min</source>
        <translation>%1日 %2時間 %3分</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1時間 %2分</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1分 %2秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1秒</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概要</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>サーバー</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>サーバーアドレス</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>コピー(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the server address to the clipboard</source>
        <translation>サーバーアドレスをクリップボードにコピーします</translation>
    </message>
    <message>
        <source>Open API &amp;docs</source>
        <translation>APIドキュメントを開く(&amp;D)</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>アドレス:</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>開始(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>状態:</translation>
    </message>
    <message>
        <source>Uptime:</source>
        <translation>稼働時間:</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>バージョン:</translation>
    </message>
    <message>
        <source>Requests per second, last 5 minutes</source>
        <translation>1秒あたりのリクエスト数 (直近5分間)</translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation>リクエスト/秒</translation>
    </message>
    <message>
        <source>Request rate chart</source>
        <translation>リクエストレートのグラフ</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>ストレージ</translation>
    </message>
    <message>
        <source>Measuring…</source>
        <translation>計測中…</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>確認中…</translation>
    </message>
    <message>
        <source>Store:</source>
        <translation>ストア:</translation>
    </message>
    <message>
        <source>Store size:</source>
        <translation>ストアのサイズ:</translation>
    </message>
    <message>
        <source>Artifact store:</source>
        <translation>アーティファクトストア:</translation>
    </message>
    <message>
        <source>Stopped: the server could not listen on its address</source>
        <translation>停止: サーバーが指定のアドレスで待ち受けできませんでした</translation>
    </message>
    <message>
        <source>Now: %1 requests/s</source>
        <translation>現在: %1 リクエスト/秒</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>稼働中</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>停止中</translation>
    </message>
    <message>
        <source>Not running</source>
        <translation>未起動</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>不明</translation>
    </message>
    <message>
        <source>Healthy (the blob folder is writable)</source>
        <translation>正常 (BLOBフォルダーに書き込み可能)</translation>
    </message>
    <message>
        <source>Unavailable: the blob folder cannot be written</source>
        <translation>利用不可: BLOBフォルダーに書き込めません</translation>
    </message>
    <message>
        <source>seconds ago</source>
        <translation>秒前</translation>
    </message>
    <message>
        <source>%1 s ago: %2 requests/s</source>
        <translation>%1 秒前: %2 リクエスト/秒</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunCompareDialog</name>
    <message numerus="yes">
        <source>Compare %n run(s)</source>
        <translation>
            <numerusform>%n 件のランを比較</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>読み込み中…</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>グラフ</translation>
    </message>
    <message>
        <source>Last, lowest and highest value per metric and run</source>
        <translation>メトリクスとランごとの最終値・最小値・最大値</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>メトリクス</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>ラン</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>最終値</translation>
    </message>
    <message>
        <source>Lowest</source>
        <translation>最小値</translation>
    </message>
    <message>
        <source>Highest</source>
        <translation>最大値</translation>
    </message>
    <message>
        <source>Last step</source>
        <translation>最終ステップ</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>値</translation>
    </message>
    <message>
        <source>Manifest keys whose values differ</source>
        <translation>値が異なるマニフェストのキー</translation>
    </message>
    <message>
        <source>Manifest differences</source>
        <translation>マニフェストの差分</translation>
    </message>
    <message>
        <source>Cannot load the comparison: %1</source>
        <translation>比較を読み込めません: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n metric(s) of %1 runs</source>
        <translation>
            <numerusform>%1 件のランの %n 個のメトリクス</numerusform>
        </translation>
    </message>
    <message>
        <source>Key</source>
        <translation>キー</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(なし)</translation>
    </message>
    <message>
        <source>Manifest differences (none)</source>
        <translation>マニフェストの差分 (なし)</translation>
    </message>
    <message>
        <source>Chart of %1</source>
        <translation>%1 のグラフ</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunDetailsDialog</name>
    <message numerus="yes">
        <source>{%n key(s)}</source>
        <translation>
            <numerusform>{%n個のキー}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>[%n item(s)]</source>
        <translation>
            <numerusform>[%n個の要素]</numerusform>
        </translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Run %1</source>
        <translation>ラン %1</translation>
    </message>
    <message>
        <source>Run details</source>
        <translation>ランの詳細</translation>
    </message>
    <message>
        <source>&amp;Summary</source>
        <translation>概要(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Manifest</source>
        <translation>マニフェスト(&amp;M)</translation>
    </message>
    <message>
        <source>Me&amp;trics</source>
        <translation>メトリクス(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Log</source>
        <translation>ログ(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>削除(&amp;D)…</translation>
    </message>
    <message>
        <source>Signed with Ed25519 and the signature matches the manifest.</source>
        <translation>Ed25519で署名されており、署名はマニフェストと一致しています。</translation>
    </message>
    <message>
        <source>A signature was sent but does not match the manifest.</source>
        <translation>署名は送信されましたが、マニフェストと一致しません。</translation>
    </message>
    <message>
        <source>No signature was sent.</source>
        <translation>署名は送信されていません。</translation>
    </message>
    <message>
        <source>Run id:</source>
        <translation>ランID:</translation>
    </message>
    <message>
        <source>Client run id:</source>
        <translation>クライアントのランID:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>ステータス:</translation>
    </message>
    <message>
        <source>Project id:</source>
        <translation>プロジェクトID:</translation>
    </message>
    <message>
        <source>Workspace id:</source>
        <translation>ワークスペースID:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>作成日時:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>開始日時:</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>終了日時:</translation>
    </message>
    <message>
        <source>Metric points:</source>
        <translation>メトリクスのポイント数:</translation>
    </message>
    <message>
        <source>Log size:</source>
        <translation>ログのサイズ:</translation>
    </message>
    <message>
        <source>Evidence:</source>
        <translation>エビデンス:</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>キー</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>値</translation>
    </message>
    <message>
        <source>Manifest</source>
        <translation>マニフェスト</translation>
    </message>
    <message>
        <source>Metrics to chart</source>
        <translation>グラフに表示するメトリクス</translation>
    </message>
    <message>
        <source>Drag over the chart to zoom in.</source>
        <translation>グラフ上をドラッグすると拡大します。</translation>
    </message>
    <message>
        <source>&amp;Reset zoom</source>
        <translation>ズームをリセット(&amp;R)</translation>
    </message>
    <message>
        <source>Search the log</source>
        <translation>ログを検索</translation>
    </message>
    <message>
        <source>Search the log…</source>
        <translation>ログを検索…</translation>
    </message>
    <message>
        <source>Find &amp;next</source>
        <translation>次を検索(&amp;N)</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>ログ</translation>
    </message>
    <message>
        <source>Load &amp;more</source>
        <translation>さらに読み込む(&amp;M)</translation>
    </message>
    <message>
        <source>Cannot load the run: %1</source>
        <translation>ランを読み込めません: %1</translation>
    </message>
    <message>
        <source>Algorithm: %1
Public key: %2
Manifest SHA-256 at signing: %3
Checked: %4</source>
        <translation>アルゴリズム: %1
公開鍵: %2
署名時のマニフェストのSHA-256: %3
検証日時: %4</translation>
    </message>
    <message>
        <source>This run has no metrics.</source>
        <translation>このランにはメトリクスがありません。</translation>
    </message>
    <message>
        <source>Cannot load the metrics: %1</source>
        <translation>メトリクスを読み込めません: %1</translation>
    </message>
    <message>
        <source>Cannot load the log: %1</source>
        <translation>ログを読み込めません: %1</translation>
    </message>
    <message>
        <source>This run has no log.</source>
        <translation>このランにはログがありません。</translation>
    </message>
    <message>
        <source>%1 of %2 loaded; search looks in the loaded part.</source>
        <translation>%2 のうち %1 を読み込みました。検索対象は読み込み済みの部分です。</translation>
    </message>
    <message>
        <source>Not found in the loaded log</source>
        <translation>読み込み済みのログには見つかりません</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>ランを削除</translation>
    </message>
    <message>
        <source>Delete the run “%1”? Its metrics, log and evidence are removed from the store. This cannot be undone.</source>
        <translation>ラン「%1」を削除しますか？メトリクス、ログ、エビデンスがストアから削除されます。この操作は元に戻せません。</translation>
    </message>
    <message>
        <source>Deleting…</source>
        <translation>削除しています…</translation>
    </message>
    <message>
        <source>Cannot delete the run: %1</source>
        <translation>ランを削除できません: %1</translation>
    </message>
    <message>
        <source>&amp;Files</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunFilesTab</name>
    <message>
        <source>Stored</source>
        <translation>保存済み</translation>
    </message>
    <message>
        <source>Uploading</source>
        <translation>アップロード中</translation>
    </message>
    <message>
        <source>Aborted</source>
        <translation>中止</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>削除済み</translation>
    </message>
    <message>
        <source>Artifacts</source>
        <translation>アーティファクト</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>サイズ</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>&amp;Save to file…</source>
        <translation>ファイルに保存(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Export evidence package…</source>
        <translation>エビデンスパッケージをエクスポート(&amp;E)…</translation>
    </message>
    <message>
        <source>The instance signing key is not available to this console.</source>
        <translation>インスタンスの署名鍵はこのコンソールでは使用できません。</translation>
    </message>
    <message>
        <source>File progress</source>
        <translation>ファイルの進行状況</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>キャンセル中…</translation>
    </message>
    <message>
        <source>The artifact store is not available to this console: artifacts are listed but cannot be saved.</source>
        <translation>アーティファクトストアはこのコンソールでは使用できません。アーティファクトは一覧表示されますが、保存できません。</translation>
    </message>
    <message>
        <source>Cannot list the artifacts: %1</source>
        <translation>アーティファクトを一覧表示できません: %1</translation>
    </message>
    <message>
        <source>This run has no artifacts.</source>
        <translation>このランにはアーティファクトがありません。</translation>
    </message>
    <message numerus="yes">
        <source>Showing the first %n artifact(s).</source>
        <translation>
            <numerusform>最初の%n件のアーティファクトを表示しています。</numerusform>
        </translation>
    </message>
    <message>
        <source>reading failed</source>
        <translation>読み取りに失敗しました</translation>
    </message>
    <message>
        <source>the bytes do not match the artifact&apos;s SHA-256</source>
        <translation>バイト列がアーティファクトのSHA-256と一致しません</translation>
    </message>
    <message>
        <source>Save artifact</source>
        <translation>アーティファクトを保存</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>%1 を保存中…</translation>
    </message>
    <message>
        <source>Export evidence package</source>
        <translation>エビデンスパッケージをエクスポート</translation>
    </message>
    <message>
        <source>ZIP archives (*.zip)</source>
        <translation>ZIPアーカイブ (*.zip)</translation>
    </message>
    <message>
        <source>Building the evidence package…</source>
        <translation>エビデンスパッケージを作成中…</translation>
    </message>
    <message>
        <source>The evidence package</source>
        <translation>エビデンスパッケージ</translation>
    </message>
    <message>
        <source>%1 was saved to %2 (%3).</source>
        <translation>%1 を %2 に保存しました (%3)。</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written to %1.</source>
        <translation>キャンセルしました。%1 には何も書き込まれていません。</translation>
    </message>
    <message>
        <source>%1 was not saved: %2</source>
        <translation>%1 は保存されませんでした: %2</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunsModel</name>
    <message>
        <source>Queued</source>
        <translation>待機中</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>実行中</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>キャンセル済み</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>検証済み</translation>
    </message>
    <message>
        <source>Signature mismatch</source>
        <translation>署名不一致</translation>
    </message>
    <message>
        <source>Unsigned</source>
        <translation>未署名</translation>
    </message>
    <message>
        <source>Signed with Ed25519 and the signature matches the manifest</source>
        <translation>Ed25519で署名されており、署名はマニフェストと一致しています</translation>
    </message>
    <message>
        <source>A signature was sent but does not match</source>
        <translation>署名は送信されましたが、一致しません</translation>
    </message>
    <message>
        <source>No signature was sent</source>
        <translation>署名は送信されていません</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>ステータス</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>エビデンス</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>プロジェクト</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>Metric points</source>
        <translation>メトリクスのポイント数</translation>
    </message>
</context>
<context>
    <name>wfx::ui::RunsPanel</name>
    <message>
        <source>Runs</source>
        <translation>ラン</translation>
    </message>
    <message>
        <source>Workspace filter</source>
        <translation>ワークスペースフィルター</translation>
    </message>
    <message>
        <source>All workspaces</source>
        <translation>すべてのワークスペース</translation>
    </message>
    <message>
        <source>Project filter</source>
        <translation>プロジェクトフィルター</translation>
    </message>
    <message>
        <source>All projects</source>
        <translation>すべてのプロジェクト</translation>
    </message>
    <message>
        <source>Choose a workspace to filter by project</source>
        <translation>プロジェクトで絞り込むには、ワークスペースを選択してください</translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation>ステータスフィルター</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>すべてのステータス</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>待機中</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>実行中</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>キャンセル済み</translation>
    </message>
    <message>
        <source>Evidence filter</source>
        <translation>エビデンスフィルター</translation>
    </message>
    <message>
        <source>Any evidence</source>
        <translation>すべてのエビデンス</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>検証済み</translation>
    </message>
    <message>
        <source>Signature mismatch</source>
        <translation>署名不一致</translation>
    </message>
    <message>
        <source>Unsigned</source>
        <translation>未署名</translation>
    </message>
    <message>
        <source>Search run names</source>
        <translation>ラン名を検索</translation>
    </message>
    <message>
        <source>Search names…</source>
        <translation>名前を検索…</translation>
    </message>
    <message>
        <source>Runs were added or removed.</source>
        <translation>ランが追加または削除されました。</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>更新(&amp;R)</translation>
    </message>
    <message>
        <source>Runs table</source>
        <translation>ランの表</translation>
    </message>
    <message>
        <source>Cannot list workspaces: %1</source>
        <translation>ワークスペースを一覧表示できません: %1</translation>
    </message>
    <message>
        <source>Cannot load runs: %1</source>
        <translation>ランを読み込めません: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) shown, loading more…</source>
        <translation>
            <numerusform>%n件のランを表示中。さらに読み込んでいます…</numerusform>
        </translation>
    </message>
    <message>
        <source>No runs match.</source>
        <translation>一致するランはありません。</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s), all shown</source>
        <translation>
            <numerusform>%n件のラン (すべて表示)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n件のランを表示中。スクロールすると続きを表示します</numerusform>
        </translation>
    </message>
    <message>
        <source>Metric filter</source>
        <translation>メトリクスフィルター</translation>
    </message>
    <message>
        <source>Metric filter, e.g. loss &lt; 0.1</source>
        <translation>メトリクスフィルター (例: loss &lt; 0.1)</translation>
    </message>
    <message>
        <source>A metric&apos;s last value (at the run&apos;s highest step): a name, one of &lt; &lt;= &gt; &gt;= = != and a number. A name alone orders by that metric.</source>
        <translation>メトリクスの最終値 (ランの最大ステップでの値): 名前、&lt; &lt;= &gt; &gt;= = != のいずれか、数値。名前だけならそのメトリクスで並べ替えます。</translation>
    </message>
    <message>
        <source>Order of runs</source>
        <translation>ランの並び順</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>新しい順</translation>
    </message>
    <message>
        <source>Metric, lowest first</source>
        <translation>メトリクスの小さい順</translation>
    </message>
    <message>
        <source>Metric, highest first</source>
        <translation>メトリクスの大きい順</translation>
    </message>
    <message>
        <source>&amp;Compare…</source>
        <translation>比較(&amp;C)…</translation>
    </message>
    <message>
        <source>Select 2 to %1 runs (Ctrl+click) to compare them</source>
        <translation>比較するラン 2～%1 件を選択してください (Ctrl+クリック)</translation>
    </message>
    <message>
        <source>At most %1 runs can be compared at once</source>
        <translation>一度に比較できるのは %1 件までです</translation>
    </message>
    <message>
        <source>Write a metric name before the operator, e.g. loss &lt; 0.1.</source>
        <translation>演算子の前にメトリクス名を書いてください (例: loss &lt; 0.1)。</translation>
    </message>
    <message>
        <source>After the metric name comes one of &lt; &lt;= &gt; &gt;= = != and a number, e.g. loss &lt; 0.1.</source>
        <translation>メトリクス名の後に &lt; &lt;= &gt; &gt;= = != のいずれかと数値を書いてください (例: loss &lt; 0.1)。</translation>
    </message>
    <message>
        <source>A number is missing after the operator, e.g. loss &lt; 0.1.</source>
        <translation>演算子の後に数値がありません (例: loss &lt; 0.1)。</translation>
    </message>
    <message>
        <source>“%1” is not a number: write it like 0.1, -2 or 1e-3.</source>
        <translation>「%1」は数値ではありません。0.1、-2、1e-3 のように書いてください。</translation>
    </message>
    <message>
        <source>The quoted metric name has no closing quote.</source>
        <translation>引用符で囲んだメトリクス名に閉じ引用符がありません。</translation>
    </message>
    <message>
        <source>The metric name is too long.</source>
        <translation>メトリクス名が長すぎます。</translation>
    </message>
    <message>
        <source>Name a metric to order by, e.g. loss.</source>
        <translation>並べ替えに使うメトリクス名を書いてください (例: loss)。</translation>
    </message>
</context>
<context>
    <name>wfx::ui::SettingsPanel</name>
    <message>
        <source>flag</source>
        <translation>フラグ</translation>
    </message>
    <message>
        <source>file</source>
        <translation>ファイル</translation>
    </message>
    <message>
        <source>environment</source>
        <translation>環境変数</translation>
    </message>
    <message>
        <source>keychain</source>
        <translation>キーチェーン</translation>
    </message>
    <message>
        <source>default</source>
        <translation>デフォルト</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>This console was started without access to its settings.</source>
        <translation>このコンソールは設定にアクセスできない状態で起動されました。</translation>
    </message>
    <message>
        <source>Changes are saved to the settings file %1 and apply at the next start of the console: the running server keeps its current settings. A flag given at start overrides the file, and the file overrides the environment (flag &gt; file &gt; environment &gt; default). Secrets are stored in %2, never in the file, and used when no flag, file or environment variable gives them.</source>
        <translation>変更は設定ファイル %1 に保存され、コンソールの次回起動時に適用されます。実行中のサーバーは現在の設定のままです。優先順位は、起動時に指定したフラグ &gt; ファイル &gt; 環境変数 &gt; デフォルトの順です。シークレットはファイルではなく %2 に保存され、フラグ、ファイル、環境変数のいずれでも指定されていない場合に使用されます。</translation>
    </message>
    <message>
        <source>Effective settings</source>
        <translation>有効な設定</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>設定項目</translation>
    </message>
    <message>
        <source>Value now</source>
        <translation>現在の値</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>設定元</translation>
    </message>
    <message>
        <source>Settings file</source>
        <translation>設定ファイル</translation>
    </message>
    <message>
        <source>(set) type to replace</source>
        <translation>(設定済み) 入力すると置き換えます</translation>
    </message>
    <message>
        <source>(unset) type to store</source>
        <translation>(未設定) 入力すると保存します</translation>
    </message>
    <message>
        <source>not in the file</source>
        <translation>ファイルに未記載</translation>
    </message>
    <message>
        <source>not in the file (default %1)</source>
        <translation>ファイルに未記載 (デフォルト: %1)</translation>
    </message>
    <message>
        <source>Save for the next start</source>
        <translation>次回起動用に保存</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Nothing was saved: correct the fields marked in red.</source>
        <translation>保存されませんでした: 赤で示された項目を修正してください。</translation>
    </message>
    <message>
        <source>No changes to save.</source>
        <translation>保存する変更はありません。</translation>
    </message>
    <message>
        <source>Nothing was saved: %1</source>
        <translation>保存されませんでした: %1</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n change(s). They apply at the next start of the console.</source>
        <translation>
            <numerusform>%n件の変更を保存しました。コンソールの次回起動時に適用されます。</numerusform>
        </translation>
    </message>
    <message>
        <source>Saving settings</source>
        <translation>設定を保存中</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>保存中…</translation>
    </message>
</context>
<context>
    <name>wfx::ui::ShareInspector</name>
    <message>
        <source>Read limit reached</source>
        <translation>閲覧回数の上限に到達</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>見つかりません</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>取り消し済み</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>期限切れ</translation>
    </message>
    <message>
        <source>Locked after wrong passwords</source>
        <translation>パスワードの誤りによりロック中</translation>
    </message>
    <message>
        <source>Password required</source>
        <translation>パスワードが必要</translation>
    </message>
    <message>
        <source>Wrong password</source>
        <translation>パスワードが違います</translation>
    </message>
    <message>
        <source>Evidence unverified</source>
        <translation>エビデンス未検証</translation>
    </message>
    <message>
        <source>Artifact not available</source>
        <translation>アーティファクトを利用できません</translation>
    </message>
    <message>
        <source>Blocked by the public payload policy</source>
        <translation>公開ペイロードのポリシーによりブロック</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有効</translation>
    </message>
    <message>
        <source>Share inspector</source>
        <translation>共有インスペクター</translation>
    </message>
    <message>
        <source>Token or link</source>
        <translation>トークンまたはリンク</translation>
    </message>
    <message>
        <source>wfxs_… or https://host/r/wfxs_… or a share id</source>
        <translation>wfxs_…、https://host/r/wfxs_…、または共有ID</translation>
    </message>
    <message>
        <source>&amp;Token or link:</source>
        <translation>トークンまたはリンク(&amp;T):</translation>
    </message>
    <message>
        <source>Client address</source>
        <translation>クライアントアドレス</translation>
    </message>
    <message>
        <source>The reader&apos;s IP address: read budgets and password locks are per address</source>
        <translation>閲覧者のIPアドレスです。閲覧回数の上限とパスワードのロックはアドレスごとに適用されます</translation>
    </message>
    <message>
        <source>Password to try (optional)</source>
        <translation>試すパスワード (任意)</translation>
    </message>
    <message>
        <source>Optional; trying it here counts nothing</source>
        <translation>任意。ここで試しても回数には数えられません</translation>
    </message>
    <message>
        <source>&amp;Inspect</source>
        <translation>検査(&amp;I)</translation>
    </message>
    <message>
        <source>Client &amp;address:</source>
        <translation>クライアントアドレス(&amp;A):</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>パスワード(&amp;W):</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Paste a token or a link and press Inspect.</source>
        <translation>トークンまたはリンクを貼り付けて「検査」を押してください。</translation>
    </message>
    <message>
        <source>What the public receives</source>
        <translation>閲覧者に返される内容</translation>
    </message>
    <message>
        <source>Change it</source>
        <translation>変更</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>取り消し(&amp;R)…</translation>
    </message>
    <message>
        <source>New expiry</source>
        <translation>新しい有効期限</translation>
    </message>
    <message>
        <source>E&amp;xtend expiry</source>
        <translation>有効期限を延長(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Unlock for this address</source>
        <translation>このアドレスのロックを解除(&amp;U)</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>有効期限:</translation>
    </message>
    <message>
        <source>Cannot inspect: %1</source>
        <translation>検査できません: %1</translation>
    </message>
    <message>
        <source>The password given is right: this is what a reader who sends it gets.</source>
        <translation>入力したパスワードは正しいです。このパスワードを送信した閲覧者には、次の内容が返されます。</translation>
    </message>
    <message>
        <source>the password given is not the share&apos;s password; each wrong one counts toward the lock for this address</source>
        <translation>入力したパスワードはこの共有のパスワードではありません。誤ったパスワードは1回ごとに、このアドレスのロックに向けて数えられます</translation>
    </message>
    <message>
        <source>With the right password: %1 (%2).</source>
        <translation>正しいパスワードの場合: %1 (%2)。</translation>
    </message>
    <message>
        <source>%1 — state %2 of 11</source>
        <translation>%1 — 状態 %2/11</translation>
    </message>
    <message>
        <source>Why: %1</source>
        <translation>理由: %1</translation>
    </message>
    <message>
        <source>Share %1 of run %2; created %3; %4; %5.</source>
        <translation>ラン %2 の共有 %1。作成日時 %3、%4、%5。</translation>
    </message>
    <message>
        <source>has a password</source>
        <translation>パスワードあり</translation>
    </message>
    <message>
        <source>no password</source>
        <translation>パスワードなし</translation>
    </message>
    <message>
        <source>expires %1</source>
        <translation>有効期限 %1</translation>
    </message>
    <message>
        <source>never expires</source>
        <translation>無期限</translation>
    </message>
    <message>
        <source>No share matches.</source>
        <translation>一致する共有はありません。</translation>
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
        <translation>Retry-After: (制限が終わるまでの秒数)
</translation>
    </message>
    <message>
        <source>The run snapshot (name, status, times, manifest, metrics%1), without internal ids.</source>
        <translation>ランのスナップショット (名前、ステータス、日時、マニフェスト、メトリクス%1)。内部IDは含みません。</translation>
    </message>
    <message>
        <source>, the shared artifact</source>
        <translation>、共有されたアーティファクト</translation>
    </message>
    <message>
        <source>Forget the wrong passwords of %1</source>
        <translation>%1 の誤ったパスワードの記録を消去</translation>
    </message>
    <message>
        <source>Revoke share</source>
        <translation>共有を取り消す</translation>
    </message>
    <message>
        <source>Revoke the share %1…? Anyone with the link gets 410 from now on. This cannot be undone.</source>
        <translation>共有 %1… を取り消しますか？今後、このリンクにアクセスすると 410 が返されます。この操作は元に戻せません。</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>取り消す</translation>
    </message>
    <message>
        <source>Cannot revoke</source>
        <translation>取り消せません</translation>
    </message>
    <message>
        <source>Cannot extend the share</source>
        <translation>共有を延長できません</translation>
    </message>
    <message>
        <source>Cannot unlock the share</source>
        <translation>共有のロックを解除できません</translation>
    </message>
</context>
<context>
    <name>wfx::ui::SharesModel</name>
    <message>
        <source>Active</source>
        <translation>有効</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>取り消し済み</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>期限切れ</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>はい</translation>
    </message>
    <message>
        <source>No</source>
        <translation>いいえ</translation>
    </message>
    <message>
        <source>Revoked %1</source>
        <translation>取り消し済み %1</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>無期限</translation>
    </message>
    <message>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <source>Run %1</source>
        <translation>ラン %1</translation>
    </message>
    <message>
        <source>Run %1, artifact %2</source>
        <translation>ラン %1、アーティファクト %2</translation>
    </message>
    <message>
        <source>The start of the token; the token itself is not stored</source>
        <translation>トークンの先頭部分です。トークン自体は保存されません</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>ラン</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>有効期限</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>トークン</translation>
    </message>
</context>
<context>
    <name>wfx::ui::SharesPanel</name>
    <message>
        <source>Shares</source>
        <translation>共有</translation>
    </message>
    <message>
        <source>&amp;New share…</source>
        <translation>新しい共有(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>取り消し(&amp;R)…</translation>
    </message>
    <message>
        <source>I&amp;nspect</source>
        <translation>検査(&amp;N)</translation>
    </message>
    <message>
        <source>Open the selected share in the inspector</source>
        <translation>選択した共有をインスペクターで開きます</translation>
    </message>
    <message>
        <source>Shares table</source>
        <translation>共有の表</translation>
    </message>
    <message>
        <source>Revoked </source>
        <translation>取り消し済み </translation>
    </message>
    <message>
        <source>Reliability consents</source>
        <translation>信頼性に関する同意</translation>
    </message>
    <message>
        <source>Select a share to see its consents.</source>
        <translation>共有を選択すると、その同意が表示されます。</translation>
    </message>
    <message>
        <source>Consents of the selected share</source>
        <translation>選択した共有の同意</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>主体</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>スコープ</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Granted</source>
        <translation>同意日時</translation>
    </message>
    <message>
        <source>Consent subject</source>
        <translation>同意の主体</translation>
    </message>
    <message>
        <source>Subject (who consents)</source>
        <translation>主体 (同意する人)</translation>
    </message>
    <message>
        <source>Consent scope</source>
        <translation>同意のスコープ</translation>
    </message>
    <message>
        <source>Scope (what for)</source>
        <translation>スコープ (同意の目的)</translation>
    </message>
    <message>
        <source>&amp;Add consent</source>
        <translation>同意を追加(&amp;A)</translation>
    </message>
    <message>
        <source>Revoke consent…</source>
        <translation>同意を取り消す…</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>エクスポート(&amp;E)…</translation>
    </message>
    <message>
        <source>Save the selected consent as a JSON file</source>
        <translation>選択した同意をJSONファイルとして保存します</translation>
    </message>
    <message>
        <source>A link can be copied only when the share is created: the token itself is not stored, only its hash and its first characters. To hand out a link again, create a new share (and revoke the old one).</source>
        <translation>リンクをコピーできるのは共有の作成時だけです。トークン自体は保存されず、そのハッシュと先頭の数文字だけが保存されます。リンクを再び配布するには、新しい共有を作成してください (古い共有は取り消してください)。</translation>
    </message>
    <message>
        <source>&amp;List</source>
        <translation>一覧(&amp;L)</translation>
    </message>
    <message>
        <source>Insp&amp;ector</source>
        <translation>インスペクター(&amp;E)</translation>
    </message>
    <message>
        <source>Cannot create the share: %1</source>
        <translation>共有を作成できません: %1</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>リンク</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>トークン</translation>
    </message>
    <message>
        <source>Share link created</source>
        <translation>共有リンクを作成しました</translation>
    </message>
    <message>
        <source>Anyone with this link can read the run%1.</source>
        <translation>このリンクを知っている人は誰でも、%1このランを閲覧できます。</translation>
    </message>
    <message>
        <source> after giving the password</source>
        <translation>パスワードを入力すれば</translation>
    </message>
    <message>
        <source>Revoke share</source>
        <translation>共有を取り消す</translation>
    </message>
    <message>
        <source>Revoke the share %1… of run %2? Anyone with the link gets 410 from now on. This cannot be undone.</source>
        <translation>ラン %2 の共有 %1… を取り消しますか？今後、このリンクにアクセスすると 410 が返されます。この操作は元に戻せません。</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>取り消す</translation>
    </message>
    <message>
        <source>Share %1… revoked.</source>
        <translation>共有 %1… を取り消しました。</translation>
    </message>
    <message>
        <source>Cannot load consents: %1</source>
        <translation>同意を読み込めません: %1</translation>
    </message>
    <message>
        <source>No consents recorded for this share.</source>
        <translation>この共有に記録された同意はありません。</translation>
    </message>
    <message numerus="yes">
        <source>%n consent(s) for this share</source>
        <translation>
            <numerusform>この共有の同意: %n件</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>取り消し済み</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有効</translation>
    </message>
    <message>
        <source>Consent recorded.</source>
        <translation>同意を記録しました。</translation>
    </message>
    <message>
        <source>Revoke consent</source>
        <translation>同意を取り消す</translation>
    </message>
    <message>
        <source>Revoke the consent of %1 (%2)?</source>
        <translation>%1 の同意 (%2) を取り消しますか？</translation>
    </message>
    <message>
        <source>Consent revoked.</source>
        <translation>同意を取り消しました。</translation>
    </message>
    <message>
        <source>Export consent</source>
        <translation>同意をエクスポート</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON ファイル (*.json)</translation>
    </message>
    <message>
        <source>Consent exported to %1.</source>
        <translation>同意を %1 にエクスポートしました。</translation>
    </message>
    <message>
        <source>Cannot export the consent: %1</source>
        <translation>同意をエクスポートできません: %1</translation>
    </message>
    <message>
        <source>Cannot load shares: %1</source>
        <translation>共有を読み込めません: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n share(s) shown, loading more…</source>
        <translation>
            <numerusform>%n件の共有を表示中。さらに読み込んでいます…</numerusform>
        </translation>
    </message>
    <message>
        <source>No shares yet.</source>
        <translation>共有はまだありません。</translation>
    </message>
    <message numerus="yes">
        <source>%n share(s), all shown</source>
        <translation>
            <numerusform>%n件の共有 (すべて表示)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n share(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n件の共有を表示中。スクロールすると続きを表示します</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot revoke</source>
        <translation>取り消せません</translation>
    </message>
    <message>
        <source>Cannot record the consent</source>
        <translation>同意を記録できません</translation>
    </message>
    <message>
        <source>Cannot revoke the consent</source>
        <translation>同意を取り消せません</translation>
    </message>
</context>
<context>
    <name>wfx::ui::ShownOnceDialog</name>
    <message>
        <source>Copy</source>
        <translation>コピー</translation>
    </message>
    <message>
        <source>Copy %1</source>
        <translation>%1 をコピー</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>コピー済み</translation>
    </message>
    <message>
        <source>&lt;b&gt;You will not see this again.&lt;/b&gt; Only a hash is stored; copy it now. If it is lost, make a new one.</source>
        <translation>&lt;b&gt;これは二度と表示されません。&lt;/b&gt;保存されるのはハッシュのみです。今すぐコピーしてください。紛失した場合は、新しく作成してください。</translation>
    </message>
    <message>
        <source>I have copied it</source>
        <translation>コピーしました</translation>
    </message>
</context>
<context>
    <name>wfx::ui::WorkspacesPanel</name>
    <message>
        <source>Owner</source>
        <translation>オーナー</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>管理者</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>メンバー</translation>
    </message>
    <message>
        <source>Viewer</source>
        <translation>閲覧者</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>保留中</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>承諾済み</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>取り消し済み</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>期限切れ</translation>
    </message>
    <message>
        <source>Workspaces</source>
        <translation>ワークスペース</translation>
    </message>
    <message>
        <source>Workspaces list</source>
        <translation>ワークスペースの一覧</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>プラン</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>Workspace name</source>
        <translation>ワークスペース名</translation>
    </message>
    <message>
        <source>Name for a new or the selected workspace</source>
        <translation>新しいワークスペース、または選択中のワークスペースの名前</translation>
    </message>
    <message>
        <source>Owner of a new workspace</source>
        <translation>新しいワークスペースのオーナー</translation>
    </message>
    <message>
        <source>A workspace belongs to a person: the new workspace is created as this user</source>
        <translation>ワークスペースは個人に属します。新しいワークスペースはこのユーザーとして作成されます</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名前(&amp;N):</translation>
    </message>
    <message>
        <source>O&amp;wner:</source>
        <translation>オーナー(&amp;W):</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>作成(&amp;C)</translation>
    </message>
    <message>
        <source>Re&amp;name</source>
        <translation>名前を変更(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>削除(&amp;D)…</translation>
    </message>
    <message>
        <source>Selected workspace</source>
        <translation>選択中のワークスペース</translation>
    </message>
    <message>
        <source>Projects list</source>
        <translation>プロジェクトの一覧</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>プロジェクト</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>プロジェクト名</translation>
    </message>
    <message>
        <source>Create &amp;project</source>
        <translation>プロジェクトを作成(&amp;P)</translation>
    </message>
    <message>
        <source>Rename project</source>
        <translation>プロジェクト名を変更</translation>
    </message>
    <message>
        <source>Delete project…</source>
        <translation>プロジェクトを削除…</translation>
    </message>
    <message>
        <source>Projects</source>
        <translation>プロジェクト</translation>
    </message>
    <message>
        <source>Members list</source>
        <translation>メンバーの一覧</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>メールアドレス</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>ロール</translation>
    </message>
    <message>
        <source>Member since</source>
        <translation>参加日時</translation>
    </message>
    <message>
        <source>New role for the selected member</source>
        <translation>選択したメンバーの新しいロール</translation>
    </message>
    <message>
        <source>Change &amp;role</source>
        <translation>ロールを変更(&amp;R)</translation>
    </message>
    <message>
        <source>Remove member…</source>
        <translation>メンバーを削除…</translation>
    </message>
    <message>
        <source>&amp;Transfer ownership…</source>
        <translation>オーナー権限を移譲(&amp;T)…</translation>
    </message>
    <message>
        <source>Make the selected member the owner; the current owner becomes an admin</source>
        <translation>選択したメンバーをオーナーにします。現在のオーナーは管理者になります</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>メンバー</translation>
    </message>
    <message>
        <source>Invitations list</source>
        <translation>招待の一覧</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>有効期限</translation>
    </message>
    <message>
        <source>Email to invite</source>
        <translation>招待するメールアドレス</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>Role of the invited person</source>
        <translation>招待する人のロール</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>招待(&amp;I)</translation>
    </message>
    <message>
        <source>Re&amp;voke…</source>
        <translation>取り消し(&amp;V)…</translation>
    </message>
    <message>
        <source>Send this token to the invited person; it is shown only now:</source>
        <translation>このトークンを招待する人に送ってください。表示されるのは今回だけです:</translation>
    </message>
    <message>
        <source>Invitation token, shown once</source>
        <translation>招待トークン (一度だけ表示)</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>コピー(&amp;C)</translation>
    </message>
    <message>
        <source>Invitations</source>
        <translation>招待</translation>
    </message>
    <message>
        <source>Invitation token copied.</source>
        <translation>招待トークンをコピーしました。</translation>
    </message>
    <message>
        <source>Cannot list workspaces</source>
        <translation>ワークスペースを一覧表示できません</translation>
    </message>
    <message>
        <source>Owner: %1</source>
        <translation>オーナー: %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Select a workspace to see its projects, members and invitations.</source>
        <translation>ワークスペースを選択すると、そのプロジェクト、メンバー、招待が表示されます。</translation>
    </message>
    <message>
        <source>Cannot load the workspace</source>
        <translation>ワークスペースを読み込めません</translation>
    </message>
    <message>
        <source>Projects (%1)</source>
        <translation>プロジェクト (%1)</translation>
    </message>
    <message>
        <source>Members (%1)</source>
        <translation>メンバー (%1)</translation>
    </message>
    <message>
        <source>Invitations (%1)</source>
        <translation>招待 (%1)</translation>
    </message>
    <message>
        <source>Choose the owner of the new workspace.</source>
        <translation>新しいワークスペースのオーナーを選択してください。</translation>
    </message>
    <message>
        <source>Cannot create the workspace</source>
        <translation>ワークスペースを作成できません</translation>
    </message>
    <message>
        <source>Created workspace “%1”.</source>
        <translation>ワークスペース「%1」を作成しました。</translation>
    </message>
    <message>
        <source>Cannot rename the workspace</source>
        <translation>ワークスペース名を変更できません</translation>
    </message>
    <message>
        <source>Renamed the workspace to “%1”.</source>
        <translation>ワークスペース名を「%1」に変更しました。</translation>
    </message>
    <message>
        <source>Cannot delete the workspace</source>
        <translation>ワークスペースを削除できません</translation>
    </message>
    <message>
        <source>Delete the workspace “%1”? Its %2 and %3 go with it, with their metrics, logs and artifacts. This cannot be undone.</source>
        <translation>ワークスペース「%1」を削除しますか？%2と%3も、それらのメトリクス、ログ、アーティファクトとともに削除されます。この操作は元に戻せません。</translation>
    </message>
    <message numerus="yes">
        <source>%n project(s)</source>
        <translation>
            <numerusform>%n件のプロジェクト</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n件のラン</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete workspace</source>
        <translation>ワークスペースを削除</translation>
    </message>
    <message>
        <source>Deleted the workspace “%1”.</source>
        <translation>ワークスペース「%1」を削除しました。</translation>
    </message>
    <message>
        <source>Cannot create the project</source>
        <translation>プロジェクトを作成できません</translation>
    </message>
    <message>
        <source>Created project “%1”.</source>
        <translation>プロジェクト「%1」を作成しました。</translation>
    </message>
    <message>
        <source>Select a project to rename.</source>
        <translation>名前を変更するプロジェクトを選択してください。</translation>
    </message>
    <message>
        <source>Cannot rename the project</source>
        <translation>プロジェクト名を変更できません</translation>
    </message>
    <message>
        <source>Renamed the project to “%1”.</source>
        <translation>プロジェクト名を「%1」に変更しました。</translation>
    </message>
    <message>
        <source>Select a project to delete.</source>
        <translation>削除するプロジェクトを選択してください。</translation>
    </message>
    <message>
        <source>Delete project</source>
        <translation>プロジェクトを削除</translation>
    </message>
    <message>
        <source>Delete the project “%1” and all of its runs? This cannot be undone.</source>
        <translation>プロジェクト「%1」とそのすべてのランを削除しますか？この操作は元に戻せません。</translation>
    </message>
    <message>
        <source>Cannot delete the project</source>
        <translation>プロジェクトを削除できません</translation>
    </message>
    <message>
        <source>Deleted the project “%1”.</source>
        <translation>プロジェクト「%1」を削除しました。</translation>
    </message>
    <message>
        <source>Select a member first.</source>
        <translation>先にメンバーを選択してください。</translation>
    </message>
    <message>
        <source>Cannot change the role</source>
        <translation>ロールを変更できません</translation>
    </message>
    <message>
        <source>Role changed to %1.</source>
        <translation>ロールを「%1」に変更しました。</translation>
    </message>
    <message>
        <source>Remove member</source>
        <translation>メンバーを削除</translation>
    </message>
    <message>
        <source>Remove %1 from the workspace “%2”? They lose access at once.</source>
        <translation>%1 をワークスペース「%2」から削除しますか？このメンバーは直ちにアクセスできなくなります。</translation>
    </message>
    <message>
        <source>Cannot remove the member</source>
        <translation>メンバーを削除できません</translation>
    </message>
    <message>
        <source>Removed %1.</source>
        <translation>%1 を削除しました。</translation>
    </message>
    <message>
        <source>Select the member who becomes the owner.</source>
        <translation>オーナーにするメンバーを選択してください。</translation>
    </message>
    <message>
        <source>Transfer ownership</source>
        <translation>オーナー権限を移譲</translation>
    </message>
    <message>
        <source>Make %1 the owner of “%2”? The current owner becomes an admin.</source>
        <translation>%1 を「%2」のオーナーにしますか？現在のオーナーは管理者になります。</translation>
    </message>
    <message>
        <source>Cannot transfer ownership</source>
        <translation>オーナー権限を移譲できません</translation>
    </message>
    <message>
        <source>%1 now owns the workspace.</source>
        <translation>%1 がワークスペースのオーナーになりました。</translation>
    </message>
    <message>
        <source>Cannot invite</source>
        <translation>招待できません</translation>
    </message>
    <message>
        <source>Invited %1.</source>
        <translation>%1 を招待しました。</translation>
    </message>
    <message>
        <source>Select an invitation first.</source>
        <translation>先に招待を選択してください。</translation>
    </message>
    <message>
        <source>Revoke invitation</source>
        <translation>招待を取り消す</translation>
    </message>
    <message>
        <source>Revoke the invitation for %1? Its token stops working.</source>
        <translation>%1 への招待を取り消しますか？招待トークンは無効になります。</translation>
    </message>
    <message>
        <source>Cannot revoke the invitation</source>
        <translation>招待を取り消せません</translation>
    </message>
    <message>
        <source>Revoked the invitation for %1.</source>
        <translation>%1 への招待を取り消しました。</translation>
    </message>
</context>
</TS>
