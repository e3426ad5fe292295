/* Wishbridge "Suggest an improvement": put
 *   <script src="https://WISHBRIDGE/embed/suggest.js" data-key="KEY" data-customer-id="ID" data-language="ru"></script>
 * where the form should appear; it becomes an iframe of the form served by Wishbridge. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src).origin;
  var query = new URLSearchParams({
    key: script.getAttribute("data-key") || "",
    customer_id: script.getAttribute("data-customer-id") || "",
    lang: script.getAttribute("data-language") || document.documentElement.lang || ""
  });
  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/suggest?" + query.toString();
  frame.title = script.getAttribute("data-title") || "Wishbridge";
  frame.className = "wishbridge-suggest";
  frame.style.cssText = "width:100%;max-width:560px;height:" + (script.getAttribute("data-height") || "560") +
    "px;border:0;";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script.nextSibling);
}());
