// The new-ticket form's gold appraisal as the clerk types (progressive enhancement: without
// this script the "Calculate" button asks the server the same). Each gold item's appraisal is
// weight (mg) x karat / 24 x the price of a gram of 24K, or weight x the karat's own price
// when the reference sets one, and the maximum loan is the appraisal x the product's LTV;
// every division rounds down to the currency's minor unit, in integers (BigInt), exactly as
// src/gold/appraisal.rs does. The server recomputes when the ticket is written: its number is
// the one saved.
(function () {
  "use strict";
  var data = document.getElementById("appraisal-data");
  var form = document.getElementById("new-ticket");
  if (!data || !form || typeof BigInt !== "function") { return; }
  var d = data.dataset;
  var exponent = Number(d.exponent);
  var price = d.price ? BigInt(d.price) : null;
  var karats = JSON.parse(d.karats || "{}");
  var ltv = JSON.parse(d.ltv || "{}");
  var MAX = BigInt("9223372036854775807");

  // As plumbing::money::parse_amount: the last '.' or ',' followed by 1 to `exp` digits is
  // the decimal mark, other marks group thousands. Null when it is not a plain amount.
  function parseAmount(text, exp) {
    var cleaned = text.replace(/[\sRp]/g, "");
    var i = Math.max(cleaned.lastIndexOf("."), cleaned.lastIndexOf(","));
    var whole = cleaned, fraction = "";
    var after = cleaned.length - i - 1;
    if (i >= 0 && after >= 1 && after <= exp) {
      whole = cleaned.slice(0, i);
      fraction = cleaned.slice(i + 1);
    }
    var digits = whole.replace(/[.,]/g, "");
    if (!/^[0-9]+$/.test(digits) || !/^[0-9]*$/.test(fraction)) { return null; }
    while (fraction.length < exp) { fraction += "0"; }
    var value = BigInt(digits) * BigInt(10) ** BigInt(exp) + BigInt(fraction || "0");
    return value > MAX ? null : value;
  }

  function parseKarat(text) {
    var t = text.trim();
    if (!/^\+?[0-9]+$/.test(t)) { return null; }
    var k = Number(t);
    return k >= 1 && k <= 24 ? k : null;
  }

  // As gold::appraisal::Reference::appraise.
  function appraise(weightMg, karat) {
    if (price === null || weightMg <= BigInt(0)) { return null; }
    var own = karats[String(karat)];
    var value = own !== undefined
      ? weightMg * BigInt(own) / BigInt(1000)
      : weightMg * BigInt(karat) * price / BigInt(24000);
    return value > MAX ? null : value;
  }

  function maxLoan(appraisal, bp) { return appraisal * BigInt(bp) / BigInt(10000); }

  // As plumbing::money::Currency::format.
  function money(minor) {
    var scale = BigInt(10) ** BigInt(exponent);
    var digits = (minor / scale).toString();
    var grouped = "";
    for (var i = 0; i < digits.length; i++) {
      if (i > 0 && (digits.length - i) % 3 === 0) { grouped += d.group; }
      grouped += digits[i];
    }
    if (exponent > 0) {
      var fraction = (minor % scale).toString();
      while (fraction.length < exponent) { fraction = "0" + fraction; }
      grouped += d.mark + fraction;
    }
    return d.symbol + " " + grouped;
  }

  // As plumbing::money::amount_field.
  function field(minor) {
    if (exponent === 0) { return minor.toString(); }
    var scale = BigInt(10) ** BigInt(exponent);
    var fraction = (minor % scale).toString();
    while (fraction.length < exponent) { fraction = "0" + fraction; }
    return (minor / scale).toString() + "." + fraction;
  }

  function input(row, name) {
    return form.querySelector("[name='" + (row === 0 ? name : name + "_" + (row + 1)) + "']");
  }

  function update() {
    var product = form.querySelector("[name='product']");
    var bp = product ? ltv[product.value] : undefined;
    var sum = BigInt(0);
    form.querySelectorAll("fieldset[data-row]").forEach(function (set) {
      var row = Number(set.dataset.row);
      var out = document.getElementById("computed-" + row);
      var appraised = input(row, "appraised");
      var weight = parseAmount(input(row, "weight").value, 3);
      var karat = parseKarat(input(row, "karat").value);
      var computed = weight !== null && karat !== null ? appraise(weight, karat) : null;
      // Fill the appraised value while the clerk has not typed their own.
      if (computed !== null && (appraised.value.trim() === "" || appraised.dataset.filled === appraised.value)) {
        appraised.value = field(computed);
        appraised.dataset.filled = appraised.value;
      }
      out.textContent = computed === null || bp === undefined ? "" :
        d.quote.replace("{appraisal}", money(computed)).replace("{max}", money(maxLoan(computed, bp)));
      var typed = appraised.value.trim() === "" ? null : parseAmount(appraised.value, exponent);
      if (typed !== null) { sum += typed; }
    });
    var total = document.getElementById("max-loan-total");
    total.textContent = sum > BigInt(0) && bp !== undefined ? d.total.replace("{max}", money(maxLoan(sum, bp))) : "";
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
}());
