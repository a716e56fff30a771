// Every <time data-local-time> written by the local_time filter (dates.py), shown in the reader's
// time zone and language. The UTC text the server wrote stays as the tooltip.
(function () {
  "use strict";
  var styles = {
    date: { dateStyle: "medium" },
    datetime: { dateStyle: "medium", timeStyle: "short" },
  };
  function localise() {
    document.querySelectorAll("time[data-local-time]").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime"));
      var style = styles[element.getAttribute("data-local-time")] || styles.datetime;
      if (isNaN(when.getTime())) return;
      element.title = element.textContent;
      element.textContent = new Intl.DateTimeFormat(undefined, style).format(when);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", localise);
  } else {
    localise();
  }
})();
