// A link to the same page in the other edition. The Chinese pages sit beside the English ones:
// notebooks/X.html <-> notebooks/zh/X.html, exercises/X.html <-> exercises/zh/X.html; other pages
// link to the other edition's home page.
document.addEventListener("DOMContentLoaded", function () {
  var here = new URL(window.location.href);
  var base = new URL(document.documentElement.dataset.content_root || "./", here);
  var rel = here.pathname.slice(base.pathname.length);
  var m = rel.match(/^(notebooks|exercises)\/(zh\/)?(.*)$/);
  var inZh = m ? Boolean(m[2]) : rel.indexOf("zh/") === 0;
  var other;
  if (m) {
    other = m[1] + "/" + (inZh ? "" : "zh/") + m[3];
  } else {
    other = inZh ? "index.html" : "zh/index.html";
  }
  var link = document.createElement("a");
  link.className = "bpcourse-language-switch btn";
  link.href = new URL(other, base).href;
  link.textContent = inZh ? "English" : "中文";
  link.title = inZh ? "Read this page in English" : "阅读本页的中文版";
  var slot = document.querySelector(".article-header-buttons") || document.body;
  slot.prepend(link);
});
