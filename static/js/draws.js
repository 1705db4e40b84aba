/* Lucky wheel and shake (PRO-4). The server draws; this script only posts the form (with the
   CSRF token), then spins the wheel to the segment of the server's result, or shows it after a
   shake. Without it the form posts normally and the page comes back with the result. */
(function () {
  "use strict";
  var form = document.getElementById("draw");
  if (!form) { return; }
  var go = document.getElementById("draw-go");
  var leftLine = document.getElementById("draw-left");
  var errorBox = document.getElementById("draw-error");
  var dialog = document.getElementById("draw-dialog");
  var disc = document.getElementById("wheel-disc");
  var shake = document.getElementById("shake");
  var busy = false;
  var turned = 0; // degrees the wheel has turned so far

  function csrf() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }

  function showDialog(result) {
    document.getElementById("draw-dialog-title").textContent = result.title;
    document.getElementById("draw-dialog-text").textContent = result.text;
    document.getElementById("draw-dialog-coupons").hidden = !result.won;
    dialog.classList.toggle("draw-dialog_won", !!result.won);
    dialog.setAttribute("data-outcome", result.outcome);
    dialog.hidden = false;
  }

  function settle(result) {
    busy = false;
    if (shake) { shake.classList.remove("shake_busy"); }
    if (result.left_text) { leftLine.textContent = result.left_text; }
    go.disabled = !(result.left > 0);
  }

  function segmentFor(result) {
    var all = Array.prototype.slice.call(disc.querySelectorAll(".wheel__seg"));
    var fits = all.filter(function (seg) {
      var prize = seg.getAttribute("data-prize");
      return result.prize ? prize === String(result.prize) : prize === "";
    });
    var pool = fits.length ? fits : all;
    return pool[Math.floor(Math.random() * pool.length)];
  }

  function spin(result, done) {
    var seg = segmentFor(result);
    var angle = parseFloat(seg.getAttribute("data-angle"));
    var step = 360 / disc.querySelectorAll(".wheel__seg").length;
    var jitter = (Math.random() - 0.5) * step * 0.6;
    var target = (360 - angle + jitter) % 360;
    var now = ((turned % 360) + 360) % 360;
    turned += 360 * 6 + ((target - now + 360) % 360);
    var finished = false;
    var finish = function () { if (!finished) { finished = true; done(); } };
    disc.addEventListener("transitionend", finish, { once: true });
    window.setTimeout(finish, 5000); // no transition events (reduced motion, hidden tab)
    disc.style.transform = "rotate(" + turned + "deg)";
  }

  function draw() {
    if (busy || go.disabled) { return; }
    busy = true;
    go.disabled = true;
    errorBox.hidden = true;
    if (shake) { shake.classList.add("shake_busy"); }
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (data.redirect) { window.location.href = data.redirect; return; }
      if (data.error) {
        errorBox.textContent = data.error;
        errorBox.hidden = false;
        settle({ left: data.left, left_text: data.left_text });
        return;
      }
      var reveal = function () { settle(data); showDialog(data); };
      if (disc) { spin(data, reveal); } else { window.setTimeout(reveal, 900); }
    }).catch(function () {
      errorBox.textContent = form.getAttribute("data-offline");
      errorBox.hidden = false;
      busy = false;
      go.disabled = false;
      if (shake) { shake.classList.remove("shake_busy"); }
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); draw(); });
  document.getElementById("draw-dialog-close").addEventListener("click", function (event) {
    event.preventDefault();
    dialog.hidden = true;
  });

  /* Shake: DeviceMotion, after the permission iOS asks for on a tap; the button is the fallback. */
  if (shake && window.DeviceMotionEvent) {
    var last = null, hits = 0, since = 0;
    var onMotion = function (event) {
      var a = event.accelerationIncludingGravity;
      if (!a || a.x === null) { return; }
      if (last) {
        var delta = Math.abs(a.x - last.x) + Math.abs(a.y - last.y) + Math.abs(a.z - last.z);
        var t = Date.now();
        if (delta > 25) {
          hits = t - since < 800 ? hits + 1 : 1;
          since = t;
          if (hits >= 3) { hits = 0; draw(); }
        }
      }
      last = { x: a.x, y: a.y, z: a.z };
    };
    var listen = function () { window.addEventListener("devicemotion", onMotion); shake.classList.add("shake_on"); };
    var enable = document.getElementById("shake-enable");
    if (typeof window.DeviceMotionEvent.requestPermission === "function") {
      enable.hidden = false;
      enable.addEventListener("click", function () {
        window.DeviceMotionEvent.requestPermission().then(function (state) {
          if (state === "granted") { listen(); enable.hidden = true; }
        }).catch(function () { enable.hidden = true; });
      });
    } else {
      listen();
    }
  }
})();
