// The board reloads itself every 15 s, so a sync shows within seconds; not while a person
// types in a field or the page is hidden.
setInterval(function () {
  var a = document.activeElement;
  if (document.visibilityState === 'visible' && !(a && (a.tagName === 'INPUT' || a.tagName === 'SELECT'))) {
    location.reload();
  }
}, 15000);
