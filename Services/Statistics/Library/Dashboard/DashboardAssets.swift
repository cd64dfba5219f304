/// The dashboard's style sheet and script, served from the binary (no build step, no framework).
enum DashboardAssets {
    static let css = """
        body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; color: #1d2733; background: #f7f8fa; }
        header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 16px; background: #0b4f6c; color: #fff; }
        header h1 { font-size: 1.1rem; margin: 0 16px 0 0; }
        header a, header .user { color: #fff; }
        header form { display: flex; gap: 8px; align-items: center; margin: 0; }
        main { padding: 8px 16px 24px; }
        main.sign-in form { display: grid; gap: 10px; max-width: 320px; }
        main.sign-in label { display: grid; gap: 4px; }
        .error { color: #a4161a; font-weight: bold; }
        table { border-collapse: collapse; background: #fff; margin: 8px 0 16px; }
        th, td { border: 1px solid #d0d5dd; padding: 3px 8px; text-align: left; }
        td.value, td.numerator, td.denominator, td.gap, td.target { text-align: right; font-variant-numeric: tabular-nums; }
        tr.chosen { background: #eef6fb; }
        .met { fill: #2b8a3e; color: #2b8a3e; }
        .on-track { fill: #74b816; color: #5c940d; }
        .behind { fill: #e03131; color: #c92a2a; }
        .no-target { fill: #adb5bd; color: #6c757d; }
        .legend span { margin-right: 12px; font-weight: bold; }
        svg.chart { background: #fff; display: block; margin: 4px 0 12px; font-size: 11px; }
        svg.spark { display: inline; margin: 0; background: none; }
        svg .target { stroke: #1d2733; stroke-width: 2; stroke-dasharray: 4 3; }
        svg .line { fill: none; stroke: #0b4f6c; stroke-width: 2; }
        svg circle { fill: #0b4f6c; }
        .live { color: #555; font-size: 0.9rem; }
        @media print {
            header form.picker, header form.sign-out, header button, header a.lang { display: none; }
            header { background: none; color: #000; }
            body { background: #fff; }
            .live { display: none; }
            section { break-inside: avoid-page; }
        }
        """

    /// Refreshes `#figures` when the server announces new figures (server-sent events), and prints.
    static let javascript = """
        (function () {
          "use strict";
          var print = document.getElementById("print");
          if (print) { print.addEventListener("click", function () { window.print(); }); }
          var main = document.getElementById("figures");
          if (!main || !window.EventSource) { return; }
          var busy = false, again = false;
          function refresh() {
            if (busy) { again = true; return; }
            busy = true;
            fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
              .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.text(); })
              .then(function (html) {
                var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("figures");
                if (fresh) {
                  main.innerHTML = fresh.innerHTML;
                  document.body.setAttribute("data-refreshes", String(Number(document.body.getAttribute("data-refreshes") || "0") + 1));
                }
              })
              .catch(function () {})
              .then(function () { busy = false; if (again) { again = false; refresh(); } });
          }
          var source = new EventSource(main.getAttribute("data-updates"));
          source.addEventListener("figures", refresh);
          source.addEventListener("open", function () { document.body.setAttribute("data-live", "open"); });
        })();
        """
}
