"""Languages as data, the structural survey version, Accept-Language, and
read-aloud audio (decoded here with libopus to check it is real speech)."""
import ctypes
import ctypes.util
import json
import os
import shutil
import struct
import tempfile
import urllib.parse

from kb import ROOT, Server, run_tool, response, OUDERS_VERSION
from test_auth import PW, _login

LANGS = sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "surveys", "i18n")) if f.endswith(".json"))


def _copy_surveys(tmp):
    d = os.path.join(tmp, "surveys")
    shutil.copytree(os.path.join(ROOT, "surveys"), d)
    return d


def _cfg(body):
    return json.loads(body.decode().split('id="kb-config">', 1)[1].split("</script>", 1)[0])


# ------------------------------------------------------------- i18n files

def test_shipped_languages_and_review_marks():
    assert {"nl", "en", "ar", "tr", "pl", "uk"} <= set(LANGS), LANGS
    nl = json.load(open(os.path.join(ROOT, "surveys", "i18n", "nl.json"), encoding="utf-8"))
    for lang in LANGS:
        d = json.load(open(os.path.join(ROOT, "surveys", "i18n", lang + ".json"), encoding="utf-8"))
        assert d["lang"] == lang and d["name"]
        assert set(d["texts"]) == set(nl["texts"]), (lang, set(nl["texts"]) ^ set(d["texts"]))
        if lang != "nl":
            assert "native speaker" in d.get("review", ""), lang
    for sid in ("ouders", "jongeren"):
        d = json.load(open(os.path.join(ROOT, "surveys", sid + ".json"), encoding="utf-8"))
        assert sorted(d["languages"]) == LANGS and d["languages"][0] == "nl"


def test_bad_interface_texts_are_refused_with_positions():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        d = _copy_surveys(tmp)
        path = os.path.join(d, "i18n", "tr.json")
        t = json.load(open(path, encoding="utf-8"))
        t["texts"]["progress"] = "Soru {i}"            # lost {n}
        t["texts"]["nonsense"] = "x"                   # not in nl.json
        t["texts"]["faces5"] = ["a", "b"]              # wrong shape
        json.dump(t, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
        rc, out, err = run_tool("surveys", "check", d)
        assert rc == 1, (rc, out, err)
        lines = err.strip().splitlines()
        assert any(l.startswith(path + ":") and "'progress'" in l and "{placeholders}" in l for l in lines), err
        assert any("'nonsense'" in l and "nl.json has no such key" in l for l in lines), err
        assert any("'faces5'" in l and "shape" in l for l in lines), err
        for l in lines:
            _, line, col, _ = l.split(":", 3)
            assert int(line) > 1 and int(col) >= 1, l
        s = Server(tmp=tmp, surveys=d)
        assert s.start(expect_fail=True) == 1
        os.remove(path)
        os.remove(os.path.join(d, "i18n", "nl.json"))
        rc, out, err = run_tool("surveys", "check", d)
        assert rc == 1 and "nl.json" in err, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_new_translation_needs_no_new_version_a_new_question_does():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        d = _copy_surveys(tmp)
        db = os.path.join(tmp, "k.db")
        with Server(tmp=tmp, db=db, surveys=d):
            pass
        # A new language: an interface file and the survey's words in it.
        en = json.load(open(os.path.join(d, "i18n", "en.json"), encoding="utf-8"))
        en.update(lang="so", name="Soomaali")
        en["texts"]["start"] = "Bilow"
        json.dump(en, open(os.path.join(d, "i18n", "so.json"), "w", encoding="utf-8"), ensure_ascii=False)
        path = os.path.join(d, "ouders.json")
        o = json.load(open(path, encoding="utf-8"))

        def add_so(x):
            if isinstance(x, dict):
                if "nl" in x and "en" in x and isinstance(x["nl"], str):
                    x["so"] = "(so) " + x["en"]
                for v in x.values():
                    add_so(v)
            elif isinstance(x, list):
                for v in x:
                    add_so(v)
        add_so(o)
        o["languages"].append("so")
        o["questions"][0]["text"]["nl"] = "Hoe goed luisterden zij naar u?"   # a corrected wording
        json.dump(o, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
        with Server(tmp=tmp, db=db, surveys=d, args=["--rate-limit", "off"]) as s:
            st, _, body = s.get("/api/surveys/ouders")
            j = json.loads(body)
            assert j["version"] == OUDERS_VERSION and "so" in j["languages"]
            st, _, body = s.get("/s/ouders?loc=overvecht&lang=so")
            cfg = _cfg(body)
            assert cfg["lang"] == "so" and cfg["i18n"]["so"]["start"] == "Bilow"
            assert cfg["names"]["so"] == "Soomaali"
            assert s.post("/api/responses", response(lang="so"))[0] == 201
            assert s.count("lang = 'so' AND version = %d" % OUDERS_VERSION) == 1
        # A structural change (a new option) still needs a new version.
        o["questions"][4]["options"].append({"id": "5", "text": {l: "5" for l in o["languages"]}})
        json.dump(o, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
        s = Server(tmp=tmp, db=db, surveys=d)
        assert s.start(expect_fail=True) == 1
        assert any("survey 'ouders' version %d" % OUDERS_VERSION in l and 'new "version"' in l for l in s.log), s.log
        # So does a changed type or condition.
        o["questions"][4]["options"].pop()
        o["questions"][1]["type"] = "smiley"
        json.dump(o, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
        s = Server(tmp=tmp, db=db, surveys=d)
        assert s.start(expect_fail=True) == 1
        o["questions"][1]["type"] = "yesno"
        o["questions"][6]["show_if"]["equals"] = False
        json.dump(o, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
        s = Server(tmp=tmp, db=db, surveys=d)
        assert s.start(expect_fail=True) == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------- the pages

def test_accept_language_on_phone_pages():
    with Server() as s:
        for header, want in [("ar-SA,ar;q=0.9,en;q=0.8", "ar"), ("de-DE, tr;q=0.8, en;q=0.5", "tr"),
                             ("en;q=0.2, pl;q=0.9", "pl"), ("de, fr", None), ("", None),
                             ("UK-ua", "uk"), ("*", None), ("x" * 500, None)]:
            st, h, body = s.get("/s/ouders?loc=overvecht", headers={"Accept-Language": header})
            assert st == 200 and "accept-language" in h["vary"].lower(), h
            assert _cfg(body)["lang"] == want, (header, _cfg(body)["lang"])
        # ?lang= wins over the header
        st, h, body = s.get("/s/ouders?loc=overvecht&lang=en", headers={"Accept-Language": "ar"})
        assert _cfg(body)["lang"] == "en"
        # the page carries what the first screen needs: definition, texts, names, directions
        cfg = _cfg(body)
        assert cfg["def"]["id"] == "ouders" and cfg["def"]["version"] == OUDERS_VERSION
        assert set(cfg["i18n"]) == set(LANGS) and cfg["dirs"]["ar"] == "rtl" and cfg["names"]["uk"] == "Українська"
        assert "<script>" in body.decode() and "<style>" in body.decode()
        csp = h["content-security-policy"]
        assert "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp, csp


def test_favicon_home_and_hashed_assets():
    with Server() as s:
        st, h, body = s.get("/favicon.ico")
        assert st == 200 and h["content-type"] == "image/x-icon" and body[:4] == b"\x00\x00\x01\x00"
        st, h, body = s.get("/")
        assert st == 200 and h["content-type"].startswith("text/html") and b"0800-2000" in body
        assert b"/admin" not in body and b"http" not in body.replace(b"http-equiv", b"")
        st, h, js = s.get("/assets/app.js")
        name = "/assets/app.%s.js" % h["etag"].strip('"')
        st, h2, js2 = s.get(name)
        assert st == 200 and js2 == js and "immutable" in h2["cache-control"], h2
        assert s.get("/assets/app.0000000000000000.js")[0] == 404


# ---------------------------------------------------------- read-aloud

class Opus:
    """Decodes Ogg Opus with libopus, as a browser would."""

    def __init__(self):
        name = ctypes.util.find_library("opus") or "libopus.so.0"
        self.lib = ctypes.CDLL(name)
        self.lib.opus_decoder_create.restype = ctypes.c_void_p
        self.lib.opus_decoder_create.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                         ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
        self.lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]

    @staticmethod
    def packets(data):
        pos, cur, out, last_granule = 0, b"", [], 0
        while pos < len(data):
            assert data[pos:pos + 4] == b"OggS", "not an Ogg page at %d" % pos
            granule = struct.unpack_from("<q", data, pos + 6)[0]
            nseg = data[pos + 26]
            lace = data[pos + 27:pos + 27 + nseg]
            pos += 27 + nseg
            for n in lace:
                cur += data[pos:pos + n]
                pos += n
                if n < 255:
                    out.append(cur)
                    cur = b""
            if granule > 0:
                last_granule = granule
        return out, last_granule

    def decode(self, data):
        """Returns (seconds, peak) of the decoded audio."""
        pk, granule = self.packets(data)
        assert pk[0][:8] == b"OpusHead" and pk[1][:8] == b"OpusTags", pk[:2]
        channels, preskip = pk[0][9], struct.unpack_from("<H", pk[0], 10)[0]
        err = ctypes.c_int()
        dec = self.lib.opus_decoder_create(48000, channels, ctypes.byref(err))
        assert err.value == 0
        pcm = (ctypes.c_int16 * (5760 * channels))()
        total, peak = 0, 0
        try:
            for p in pk[2:]:
                n = self.lib.opus_decode(dec, p, len(p), pcm, 5760, 0)
                assert n > 0, "opus_decode failed: %d" % n
                total += n
                if peak < 2000:
                    peak = max(peak, max(abs(pcm[i]) for i in range(0, n * channels, 3)))
        finally:
            self.lib.opus_decoder_destroy(dec)
        assert abs((total - preskip) - (granule - preskip)) <= 5760, (total, granule)
        return (granule - preskip) / 48000.0, peak


def _keys(d, options=True):
    keys = ["intro", "thanks", "help"]
    for q in d["questions"]:
        keys.append(q["id"])
        if not options:
            continue
        if q["type"] == "smiley":
            keys += ["%s.%d" % (q["id"], i) for i in range(1, (q.get("faces") or 5) + 1)]
        elif q["type"] == "yesno":
            keys += [q["id"] + ".true", q["id"] + ".false"]
        elif q["type"] in ("choice", "multi"):
            keys += [q["id"] + "." + o["id"] for o in q["options"]]
    return keys


def test_speech_for_every_text_in_every_language():
    opus = Opus()
    with Server() as s:
        n = 0
        for sid in ("ouders", "jongeren"):
            d = json.loads(s.get("/api/surveys/" + sid)[2])
            for lang in d["languages"]:
                # every text in every language; the answer options in one
                for key in _keys(d, options=(lang == "nl")):
                    q = urllib.parse.urlencode({"survey": sid, "lang": lang, "text": key})
                    st, h, body = s.get("/api/speech?" + q)
                    assert st == 200, (sid, lang, key, st, body[:200])
                    assert h["content-type"] == "audio/ogg"
                    secs, peak = opus.decode(body)
                    # plausible: audible, at least a short word, at most
                    # a slow reading of the words (0.25 s a character)
                    qd = next((x for x in d["questions"] if x["id"] == key), None)
                    words = (qd["text"][lang] if qd else "")
                    assert peak > 500, (sid, lang, key, peak)
                    assert 0.2 <= secs <= 5 + 0.25 * max(len(words), 200), (sid, lang, key, secs)
                    if qd:
                        assert secs >= 0.03 * len(words), (sid, lang, key, secs, len(words))
                    n += 1
        assert n > 100, n


def test_speech_etag_cache_and_errors():
    with Server() as s:
        url = "/api/speech?survey=ouders&lang=nl&text=gehoord"
        st, h, body = s.get(url)
        assert st == 200 and h["etag"] and "max-age" in h["cache-control"]
        st, h2, body2 = s.get(url)
        assert st == 200 and body2 == body and h2["etag"] == h["etag"]
        st, _, b = s.get(url, headers={"If-None-Match": h["etag"]})
        assert st == 304 and b == b""
        # another language is another clip
        st, h3, _ = s.get("/api/speech?survey=ouders&lang=ar&text=gehoord")
        assert st == 200 and h3["etag"] != h["etag"]
        for q, code, field in [("survey=nope&lang=nl&text=intro", 404, "survey"),
                               ("survey=ouders&lang=de&text=intro", 404, "lang"),
                               ("survey=ouders&lang=nl&text=nope", 404, "text"),
                               ("survey=ouders&lang=nl&text=gehoord.9", 404, "text"),
                               ("survey=ouders&lang=nl&text=serieus.maybe", 404, "text"),
                               ("survey=ouders&lang=nl&text=beter_doen.x", 404, "text"),
                               ("survey=ouders&lang=nl", 400, "text"),
                               ("lang=nl&text=intro", 400, "survey")]:
            st, _, b = s.get("/api/speech?" + q)
            assert st == code and json.loads(b)["field"] == field, (q, st, b)


def test_dashboard_warns_in_red_about_a_private_base_url():
    for base, warned in [("http://127.0.0.1:8080", True), ("https://klankbord.example", False)]:
        tmp = tempfile.mkdtemp(prefix="kb-it-")
        try:
            db = os.path.join(tmp, "k.db")
            assert run_tool("user", "add", "ann", "--role", "admin", "--db", db, stdin=PW + "\n")[0] == 0
            with Server(tmp=tmp, db=db, args=["--base-url", base]) as s:
                _, _, _, cookie = _login(s, "ann")
                st, _, body = s.get("/admin/?survey=ouders", headers={"Cookie": cookie})
                assert st == 200
                page = body.decode()
                assert ('id="base-url-warning"' in page) == warned, base
                if warned:
                    assert 'class="error"' in page.split('id="base-url-warning"')[0][-80:]
                    assert any("loopback or private" in l for l in s.log), s.log
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def test_sms_link_opens_in_the_phones_language():
    from fakegw import Gateway
    from test_sms import _setup, _server, _invite, _link_token
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        with _server(tmp, db, gw) as s:
            # invited in the default language: the phone's language wins
            assert _invite(s, key, phone="06-00000001")[0] == 202
            # invited in Turkish on purpose: that stays
            assert _invite(s, key, phone="06-00000002", lang="tr")[0] == 202
            token = {r["json"]["to"][-1]: _link_token(r["json"]["message"]) for r in gw.wait(2)}
            assert sorted(token) == ["1", "2"], token
            for end, header, want in [("1", "uk-UA,uk;q=0.9", "uk"), ("1", "de", "nl"), ("1", None, "nl"),
                                      ("2", "uk-UA,uk;q=0.9", "tr"), ("2", "ar", "tr")]:
                st, h, page = s.get("/i/" + token[end], headers={"Accept-Language": header} if header else {})
                assert st == 200, page[:200]
                assert "accept-language" in h["vary"].lower()
                assert _cfg(page)["lang"] == want, (end, header, _cfg(page)["lang"])
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_speech_burst_gets_audio_or_retry_after():
    import threading
    with Server() as s:
        d = json.loads(s.get("/api/surveys/ouders")[2])
        keys = [(l, q["id"]) for l in d["languages"] for q in d["questions"]][:40]
        got = {}

        def fetch(lang, key):
            st, h, body = s.get("/api/speech?survey=ouders&lang=%s&text=%s" % (lang, key))
            got[(lang, key)] = (st, h.get("retry-after"), body[:4])
        ts = [threading.Thread(target=fetch, args=k) for k in keys]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for k, (st, retry, head) in got.items():
            assert (st == 200 and head == b"OggS") or (st == 503 and retry == "2"), (k, st, retry)
        # whatever was turned away is served when asked again
        for k, (st, _, _) in got.items():
            if st == 503:
                assert s.get("/api/speech?survey=ouders&lang=%s&text=%s" % k)[0] == 200, k
