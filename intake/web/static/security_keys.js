// Security keys and passkeys (WebAuthn): add one, or answer a sign-in or step-up with one.
// The page holds one element with data-role="security-key": data-options and data-answer are
// the two URLs (options, then the answer), data-csrf the token, data-next where to go after a
// step-up. Everything the server sends is base64url; the browser wants ArrayBuffers.
(function () {
  "use strict";

  var box = document.querySelector("[data-role=security-key]");
  if (!box) { return; }
  var button = box.querySelector("button");
  var status = box.querySelector("[data-role=key-status]");

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBuffers(options) {
    options.challenge = toBytes(options.challenge);
    if (options.user) { options.user.id = toBytes(options.user.id); }
    ["excludeCredentials", "allowCredentials"].forEach(function (name) {
      (options[name] || []).forEach(function (item) { item.id = toBytes(item.id); });
    });
    return options;
  }

  function asJson(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) { out.response.userHandle = toText(response.userHandle); }
    }
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": box.getAttribute("data-csrf")
      },
      body: JSON.stringify(body || {})
    }).then(function (reply) {
      return reply.json().then(function (data) {
        if (!reply.ok) { throw new Error(data.error || "The server refused the key."); }
        return data;
      });
    });
  }

  function say(text) { status.textContent = text; }

  button.addEventListener("click", function () {
    if (!window.PublicKeyCredential) {
      say("This browser cannot use security keys: type a code instead.");
      return;
    }
    var adding = box.getAttribute("data-purpose") === "add";
    var nameInput = box.querySelector("input[name=key-name]");
    button.disabled = true;
    say(adding ? "Touch your security key to add it…" : "Touch your security key…");
    post(box.getAttribute("data-options")).then(function (options) {
      var publicKey = withBuffers(options);
      return adding ? navigator.credentials.create({ publicKey: publicKey })
                    : navigator.credentials.get({ publicKey: publicKey });
    }).then(function (credential) {
      return post(box.getAttribute("data-answer"), {
        credential: asJson(credential),
        name: nameInput ? nameInput.value : "",
        next: box.getAttribute("data-next") || ""
      });
    }).then(function (data) {
      window.location.assign(data.next);
    }).catch(function (error) {
      button.disabled = false;
      say(error && error.name === "NotAllowedError"
        ? "No key answered in time, or it was cancelled: try again, or type a code."
        : (error && error.message) || "The security key did not work.");
    });
  });
}());
