/* The group-buy's share card in WeChat: title, text, link (through the store's code, so whoever
   opens it is attributed like a scan) and picture, from the page's #gb-share JSON. */
(function () {
  var data = document.getElementById("gb-share");
  if (!data || !window.storelinkWx) { return; }
  var share = JSON.parse(data.textContent);
  window.storelinkWx(["updateAppMessageShareData", "updateTimelineShareData"], function (wx) {
    if (!wx) { return; }
    wx.updateAppMessageShareData({title: share.title, desc: share.desc, link: share.link, imgUrl: share.imgUrl});
    wx.updateTimelineShareData({title: share.title, link: share.link, imgUrl: share.imgUrl});
  });
})();
