/**
 * o2c push: a User Event script that tells o2c "this record changed, poll now".
 *
 * Deploy it on Item Fulfillment, Sales Order, Inventory Item, Item Receipt, Inventory Adjustment, Price
 * Level and Customer (Customization > Scripting > Scripts > New). Script parameters:
 *   custscript_o2c_push_url     https://o2c.example.com/webhooks/netsuite
 *   custscript_o2c_secret_id    the ID of an API Secret (Setup > Company > API Secrets) holding the
 *                               same value as O2C_NS_PUSH_SECRET; allow this script to use it.
 *
 * The notice carries no data, only the record type and id; o2c answers by polling that type at once.
 * NetSuite's outbound calls are lossy (45 s timeout, outages, user events do not fire for records
 * saved by other scripts), so o2c's regular poll stays the guarantee; a failed call is only logged.
 * Writes made by o2c itself (REST web services) are skipped to avoid echo loops.
 *
 * Signature: X-O2C-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>,
 *            X-O2C-Timestamp: <Unix seconds>. o2c refuses a timestamp more than 5 minutes off.
 *
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 * @NModuleScope SameAccount
 */
define(['N/https', 'N/crypto', 'N/encode', 'N/runtime', 'N/log'], (https, crypto, encode, runtime, log) => {
  const SKIP_CONTEXTS = [runtime.ContextType.REST_WEBSERVICES];

  const sign = (secretId, message) => {
    const key = crypto.createSecretKey({ secret: secretId, encoding: encode.Encoding.UTF_8 });
    const hmac = crypto.createHmac({ algorithm: crypto.HashAlg.SHA256, key: key });
    hmac.update({ input: message, inputEncoding: encode.Encoding.UTF_8 });
    return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
  };

  const afterSubmit = (context) => {
    if (SKIP_CONTEXTS.indexOf(runtime.executionContext) !== -1) {
      return;
    }
    const script = runtime.getCurrentScript();
    const url = script.getParameter({ name: 'custscript_o2c_push_url' });
    const secretId = script.getParameter({ name: 'custscript_o2c_secret_id' });
    if (!url || !secretId) {
      return;
    }
    const record = context.newRecord || context.oldRecord;
    const body = JSON.stringify({ recordType: record.type, id: String(record.id), type: context.type });
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const response = https.post({
        url: url,
        body: body,
        headers: {
          'Content-Type': 'application/json',
          'X-O2C-Timestamp': timestamp,
          'X-O2C-Signature': 'sha256=' + sign(secretId, timestamp + '.' + body),
        },
      });
      if (response.code !== 202) {
        log.audit({ title: 'o2c push not accepted', details: response.code + ' ' + response.body });
      }
    } catch (e) {
      // Lossy by design: the next regular poll picks the change up.
      log.error({ title: 'o2c push failed', details: e.name + ': ' + e.message });
    }
  };

  return { afterSubmit };
});
