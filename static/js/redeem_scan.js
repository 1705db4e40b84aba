/* Scan a coupon's QR code at the counter (PRO-3 "by scanning or typing the code").

   In WeChat: the JS-SDK scanner (wx.scanQRCode, needResult 1). Elsewhere, and in WeCom: the
   browser's camera (getUserMedia), each frame decoded by BarcodeDetector where the browser has it,
   else by jsQR (pinned npm package, served from /static/vendor/jsqr/). Without a camera: typing.
   The scanned text goes into the code field as it is and the form is sent: the server turns a
   QR payload (the code, a link carrying it, "QR_CODE,<code>") into the code and checks it. */
(function () {
  var form = document.getElementById("redeem-form");
  var field = document.getElementById("code");
  var button = document.getElementById("scan-button");
  var panel = document.getElementById("scan-panel");
  var video = document.getElementById("scan-video");
  var note = document.getElementById("scan-note");
  var stream = null, detector = null, canvas = document.createElement("canvas");

  function say(text) { if (note) { note.textContent = text; note.hidden = !text; } }

  /* One picture (an <img>, <video> or <canvas>) → the QR text, or null. The camera path calls
     this for every frame; tests call it on a picture. */
  function decode(source) {
    var width = source.videoWidth || source.naturalWidth || source.width;
    var height = source.videoHeight || source.naturalHeight || source.height;
    if (!width || !height) { return Promise.resolve(null); }
    if (detector) {
      return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; },
                                          function () { return null; });
    }
    if (typeof window.jsQR !== "function") { return Promise.resolve(null); }
    var scale = Math.min(1, 640 / Math.max(width, height));
    canvas.width = Math.round(width * scale); canvas.height = Math.round(height * scale);
    var context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(pixels.data, pixels.width, pixels.height, {inversionAttempts: "dontInvert"});
    return Promise.resolve(found ? found.data : null);
  }

  function submit(text) {
    field.value = text;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
    if (panel) { panel.hidden = true; }
  }

  function frame() {
    if (!stream) { return; }
    decode(video).then(function (text) {
      if (!stream) { return; }
      if (text) { stop(); submit(text); } else { window.requestAnimationFrame(frame); }
    });
  }

  function camera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(button.getAttribute("data-no-camera")); field.focus(); return;
    }
    if (!detector && typeof window.BarcodeDetector === "function") {
      try { detector = new window.BarcodeDetector({formats: ["qr_code"]}); } catch (e) { detector = null; }
    }
    if (!detector && typeof window.jsQR !== "function") { say(button.getAttribute("data-no-camera")); return; }
    say("");
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (media) {
      stream = media; panel.hidden = false; video.srcObject = media;
      video.setAttribute("playsinline", ""); video.muted = true;
      return video.play();
    }).then(frame).catch(function () { stop(); say(button.getAttribute("data-denied")); field.focus(); });
  }

  function scan() {
    window.storelinkWx([button.getAttribute("data-wx-apis") || "scanQRCode"], function (wx) {
      if (!wx) { camera(); return; }
      wx.scanQRCode({needResult: 1, scanType: ["qrCode", "barCode"],
                     success: function (result) { submit(result.resultStr || ""); },
                     fail: function () { camera(); }});
    });
  }

  /* After a check, show the code as the server read it (a scanned link becomes the 12 characters). */
  document.body.addEventListener("htmx:afterSwap", function () {
    var read = document.querySelector("#redeem-result [data-code]");
    if (read) { field.value = read.getAttribute("data-code"); }
  });

  window.StoreLinkScan = {decode: decode, submit: submit, camera: camera, stop: stop};
  if (button) { button.hidden = false; button.addEventListener("click", scan); }
  var close = document.getElementById("scan-close");
  if (close) { close.addEventListener("click", stop); }
})();
