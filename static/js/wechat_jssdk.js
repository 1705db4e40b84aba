/* WeChat JS-SDK configuration for our pages (WX-2): asks /wechat/jssdk/ to sign this page and
   configures `wx` for the APIs a page needs. Only inside WeChat (not WeCom, whose JS-SDK is signed
   with the corp's ticket, which the project does not issue); otherwise the callback gets null and
   the page uses its fallback. WeChat's SDK file comes pinned from npm (weixin-js-sdk, served from
   our static files, `data-sdk-url`) and is loaded only inside WeChat. It is packaged as a CommonJS
   module, so it is loaded with a `module` object in place and `wx` taken from its exports.
   Usage: storelinkWx(["scanQRCode"], function (wx) { if (wx) { ... } else { ... } }); */
(function () {
  var script = document.currentScript;
  var endpoint = (script && script.getAttribute("data-jssdk-url")) || "/wechat/jssdk/";
  var sdkUrl = script && script.getAttribute("data-sdk-url");
  var ua = navigator.userAgent || "";
  window.storelinkInWeChat = /MicroMessenger/i.test(ua) && !/wxwork/i.test(ua);
  window.storelinkInWeCom = /wxwork/i.test(ua);
  function withSdk(ready) {
    if (typeof window.wx !== "undefined") { ready(); return; }
    if (!sdkUrl) { ready(); return; }
    var hadModule = "module" in window, previous = window.module;
    window.module = {exports: {}};
    var tag = document.createElement("script");
    tag.src = sdkUrl;
    tag.onload = tag.onerror = function () {
      var loaded = window.module && window.module.exports;
      if (loaded && typeof loaded.config === "function") { window.wx = loaded; }
      if (hadModule) { window.module = previous; } else { delete window.module; }
      ready();
    };
    document.head.appendChild(tag);
  }
  window.storelinkWx = function (apis, done) {
    if (!window.storelinkInWeChat || !window.fetch) { done(null); return; }
    withSdk(function () { configure(apis, done); });
  };
  function configure(apis, done) {
    if (typeof window.wx === "undefined") { done(null); return; }
    var url = location.href.split("#")[0];
    fetch(endpoint + "?url=" + encodeURIComponent(url), {credentials: "same-origin"})
      .then(function (response) { if (!response.ok) { throw new Error("jssdk " + response.status); } return response.json(); })
      .then(function (config) {
        var settled = false;
        var finish = function (value) { if (!settled) { settled = true; done(value); } };
        // The signature covers the ticket, nonce, time and URL, not the list: ask for what this page needs.
        window.wx.config({debug: false, appId: config.appId, timestamp: config.timestamp, nonceStr: config.nonceStr,
                          signature: config.signature, jsApiList: apis});
        window.wx.error(function () { finish(null); });
        window.wx.ready(function () { finish(window.wx); });
      })
      .catch(function () { done(null); });
  }
})();
