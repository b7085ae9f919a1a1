"""`klankbord qr`: every code it writes (SVG, PNG, the A4 poster) is decoded
with zbarimg and must read back as exactly the survey link; bad surveys,
locations, formats and sizes are refused with a message and no file."""
import json
import os
import re
import shutil
import subprocess
import tempfile

from kb import BIN, ROOT, run_tool

SURVEYS = os.path.join(ROOT, "surveys")
# A public address: a loopback or private one is refused (test_qr_private_base_url).
BASE = "https://klankbord.example"
PNG_SIG = b"\x89PNG\r\n\x1a\n"
# 48 characters: the longest location id SPEC.md §3 allows.
LONG_LOC = "buurtteam-overvecht-de-gagel-noordoost-proef-026"
assert len(LONG_LOC) == 48


def _tmp():
    return tempfile.mkdtemp(prefix="kb-qr-")


def _no_sanitizer(err):
    assert "AddressSanitizer" not in err and "LeakSanitizer" not in err \
        and "runtime error:" not in err, err


def _qr(*args, surveys=SURVEYS, base=BASE):
    """Runs `klankbord qr` with the given arguments; returns rc, stdout, stderr."""
    rc, out, err = run_tool("qr", "--surveys", surveys, "--base-url", base,
                            *args)
    _no_sanitizer(err)
    return rc, out, err


def _png_of(path, tmp, width=800):
    """path itself if it is a PNG, else the SVG rendered to a PNG in tmp."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head == PNG_SIG:
        return path
    png = os.path.join(tmp, os.path.basename(path) + ".render.png")
    p = subprocess.run(["rsvg-convert", "-w", str(width), "-b", "white",
                        path, "-o", png], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, "rsvg-convert %s: %s" % (path, p.stderr)
    return png


def _decode(path, tmp, width=800):
    """The one text zbarimg reads from the code in path (SVG or PNG)."""
    png = _png_of(path, tmp, width)
    p = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, "zbarimg found no code in %s (rc %d): %s" % (
        png, p.returncode, p.stderr)
    lines = p.stdout.splitlines()
    assert len(lines) == 1, "zbarimg read %d codes: %r" % (len(lines), lines)
    return lines[0]


def _png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_SIG, head
    assert head[12:16] == b"IHDR", head
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _url(survey, loc, lang=None, base=BASE):
    u = "%s/s/%s?loc=%s" % (base, survey, loc)
    return u + ("&lang=" + lang if lang else "")


def _surveys_with_long_location(tmp):
    """A copy of the shipped surveys folder with LONG_LOC added."""
    d = os.path.join(tmp, "surveys")
    shutil.copytree(SURVEYS, d)
    path = os.path.join(d, "locations.json")
    with open(path, encoding="utf-8") as f:
        locs = json.load(f)
    locs["locations"].append({
        "id": LONG_LOC,
        "name": {"nl": "Buurtteam Overvecht – De Gagel, Noordoost (proef)",
                 "en": "Neighbourhood team Overvecht – De Gagel, North-East"},
        "organisation": "buurtteam"})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(locs, f, ensure_ascii=False, indent=2)
    return d


def _make(tmp, name, *args, **kw):
    """Runs qr with -o tmp/name, asserts success, returns the path."""
    out = os.path.join(tmp, name)
    rc, stdout, err = _qr(*args, "-o", out, **kw)
    assert rc == 0, "qr %s: rc %d\n%s" % (" ".join(args), rc, err)
    assert os.path.getsize(out) > 0, out
    return out


# Positive: what is written decodes to exactly the link.

def test_qr_every_survey_both_formats():
    tmp = _tmp()
    try:
        locs = ["overvecht", "vechtzoom", "spoorzoom", "utrecht-west"]
        for i, survey in enumerate(["ouders", "jongeren", "participatie"]):
            loc = locs[i % len(locs)]
            for fmt in ("svg", "png"):
                out = _make(tmp, "%s.%s" % (survey, fmt), "--survey", survey,
                            "--location", loc, "--format", fmt)
                with open(out, "rb") as f:
                    data = f.read()
                if fmt == "png":
                    assert data.startswith(PNG_SIG), data[:16]
                    w, h = _png_size(out)
                    assert w == h and 100 <= w <= 4000, (w, h)
                else:
                    text = data.decode("utf-8")
                    assert "<svg" in text and text.count("<path") == 1, text[:200]
                    assert "viewBox=" in text
                got = _decode(out, tmp)
                assert got == _url(survey, loc), (survey, fmt, got)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_svg_on_stdout_by_default():
    tmp = _tmp()
    try:
        rc, out, err = _qr("--survey", "ouders", "--location", "overvecht")
        assert rc == 0, err
        assert out.lstrip().startswith(("<?xml", "<svg")), out[:100]
        path = os.path.join(tmp, "stdout.svg")
        with open(path, "w", encoding="utf-8") as f:
            f.write(out)
        assert _decode(path, tmp) == _url("ouders", "overvecht")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_png_on_stdout():
    tmp = _tmp()
    try:
        p = subprocess.run([BIN, "qr", "--surveys", SURVEYS, "--base-url", BASE,
                            "--survey", "jongeren", "--location", "spoorzoom",
                            "--format", "png"], capture_output=True, timeout=60)
        _no_sanitizer(p.stderr.decode("utf-8", "replace"))
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith(PNG_SIG), p.stdout[:16]
        path = os.path.join(tmp, "stdout.png")
        with open(path, "wb") as f:
            f.write(p.stdout)
        assert _decode(path, tmp) == _url("jongeren", "spoorzoom")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_with_and_without_lang():
    tmp = _tmp()
    try:
        for fmt in ("svg", "png"):
            out = _make(tmp, "en." + fmt, "--survey", "ouders", "--location",
                        "utrecht-west", "--lang", "en", "--format", fmt)
            assert _decode(out, tmp) == _url("ouders", "utrecht-west", "en")
            out = _make(tmp, "none." + fmt, "--survey", "ouders", "--location",
                        "utrecht-west", "--format", fmt)
            assert _decode(out, tmp) == _url("ouders", "utrecht-west")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_long_location():
    tmp = _tmp()
    try:
        surveys = _surveys_with_long_location(tmp)
        for fmt in ("svg", "png"):
            for lang in (None, "nl"):
                extra = ("--lang", lang) if lang else ()
                out = _make(tmp, "long-%s-%s.%s" % (lang, fmt, fmt),
                            "--survey", "participatie", "--location", LONG_LOC,
                            "--format", fmt, *extra, surveys=surveys)
                want = _url("participatie", LONG_LOC, lang)
                assert _decode(out, tmp) == want, (fmt, lang)
        out = _make(tmp, "long-poster.svg", "--survey", "participatie",
                    "--location", LONG_LOC, "--poster", surveys=surveys)
        assert _decode(out, tmp, 1240) == _url("participatie", LONG_LOC)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_https_base_url_with_path():
    tmp = _tmp()
    base = "https://klankbord.example.org/jeugd/utrecht"
    try:
        for fmt in ("svg", "png"):
            out = _make(tmp, "https." + fmt, "--survey", "participatie",
                        "--location", "vechtzoom", "--lang", "en",
                        "--format", fmt, base=base)
            want = _url("participatie", "vechtzoom", "en", base=base)
            assert _decode(out, tmp) == want, fmt
        # A trailing slash on the base URL must not double the slash.
        out = _make(tmp, "slash.svg", "--survey", "ouders", "--location",
                    "vechtzoom", base=base + "/")
        assert _decode(out, tmp) == _url("ouders", "vechtzoom", base=base)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_png_size():
    tmp = _tmp()
    try:
        for size in ("100", "777", "4000"):
            out = _make(tmp, "s%s.png" % size, "--survey", "ouders",
                        "--location", "overvecht", "--format", "png",
                        "--size", size)
            assert _png_size(out) == (int(size), int(size))
            if size != "4000":
                assert _decode(out, tmp) == _url("ouders", "overvecht")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_poster():
    tmp = _tmp()
    try:
        with open(os.path.join(SURVEYS, "ouders.json"), encoding="utf-8") as f:
            titles = json.load(f)["title"]
        for lang in (None, "en"):
            extra = ("--lang", lang) if lang else ()
            out = _make(tmp, "poster-%s.svg" % lang, "--survey", "ouders",
                        "--location", "overvecht", "--poster", *extra)
            with open(out, encoding="utf-8") as f:
                svg = f.read()
            assert 'width="210mm"' in svg and 'height="297mm"' in svg, svg[:300]
            assert 'viewBox="0 0 210 297"' in svg
            assert "<script" not in svg
            assert titles["nl"] in svg or titles["en"] in svg, titles
            assert "Overvecht" in svg
            # The link written out (maybe over several lines), XML-escaped.
            want = _url("ouders", "overvecht", lang)
            text = re.sub(r"<[^>]*>", "", svg).replace("\n", "")
            assert want.replace("&", "&amp;") in text, (want, text)
            assert _decode(out, tmp, 1240) == want
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# Negative: refused with a message naming the problem, nothing written.

def _refused(tmp, *args, words=(), surveys=SURVEYS):
    out = os.path.join(tmp, "refused.out")
    rc, stdout, err = _qr(*args, "-o", out, surveys=surveys)
    assert rc != 0, "accepted: qr %s" % " ".join(args)
    assert err.strip(), "no message for: qr %s" % " ".join(args)
    for w in words:
        assert w in err, (w, err)
    assert not os.path.exists(out), "file written although refused"
    assert stdout == "", stdout[:100]
    return rc


def test_qr_unknown_survey():
    tmp = _tmp()
    try:
        rc = _refused(tmp, "--survey", "nope", "--location", "overvecht",
                      words=("nope",))
        assert rc == 1
        rc = _refused(tmp, "--survey", "nope", "--location", "overvecht",
                      "--poster", words=("nope",))
        assert rc == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_unknown_location():
    tmp = _tmp()
    try:
        for loc in ("nergens", "Overvecht", "../overvecht", LONG_LOC):
            rc = _refused(tmp, "--survey", "ouders", "--location", loc,
                          words=(loc,))
            assert rc == 1, loc
        rc = _refused(tmp, "--survey", "ouders", "--location", "nergens",
                      "--format", "png", words=("nergens",))
        assert rc == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_language_not_in_survey():
    tmp = _tmp()
    try:
        rc = _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                      "--lang", "fr", words=("fr",))
        assert rc == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_bad_format():
    tmp = _tmp()
    try:
        for fmt in ("gif", "SVG", ""):
            _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                     "--format", fmt)
        _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                 "--format", "gif", words=("format",))
        # A poster is an SVG document; a PNG poster is refused.
        _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                 "--poster", "--format", "png")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_bad_size():
    tmp = _tmp()
    try:
        for size in ("5", "99", "4001", "-300", "12px", "", "1e3"):
            _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                     "--format", "png", "--size", size)
        _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                 "--format", "png", "--size", "5", words=("size",))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_missing_arguments():
    tmp = _tmp()
    try:
        _refused(tmp, "--location", "overvecht")
        _refused(tmp, "--survey", "ouders")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_bad_surveys_folder():
    tmp = _tmp()
    try:
        _refused(tmp, "--survey", "ouders", "--location", "overvecht",
                 surveys=os.path.join(tmp, "does-not-exist"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_private_base_url_refused_without_force():
    tmp = _tmp()
    try:
        for base in ["http://127.0.0.1:8080", "http://localhost:8080", "http://10.1.2.3",
                     "http://192.168.1.20:8080/", "http://172.20.0.5", "http://[::1]:8080",
                     "http://[fd00::1]/", "http://kiosk-pc:8080", "http://printer.local",
                     "http://169.254.10.10"]:
            out = os.path.join(tmp, "p.svg")
            rc, stdout, err = _qr("--survey", "ouders", "--location", "overvecht", "-o", out, base=base)
            assert rc == 1 and "refused" in err and "--force" in err and base in err, (base, rc, err)
            assert not os.path.exists(out), base
            rc, stdout, err = _qr("--survey", "ouders", "--location", "overvecht", "--poster", "--force",
                                  "-o", out, base=base)
            assert rc == 0 and "warning" in err, (base, rc, err)
            os.remove(out)
        # the default base URL, from no flag at all, is refused too
        rc, out, err = run_tool("qr", "--surveys", SURVEYS, "--survey", "ouders", "--location", "overvecht")
        assert rc == 1 and "127.0.0.1" in err and out == "", err
        for base in ["https://klankbord.example", "https://8.8.8.8", "https://[2001:db8::1]:8443",
                     "https://172.32.0.1", "https://jeugd.utrecht.example/klankbord"]:
            rc, stdout, err = _qr("--survey", "ouders", "--location", "overvecht", base=base)
            assert rc == 0 and "warning" not in err, (base, err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_qr_poster_says_scan_languages_and_help():
    tmp = _tmp()
    try:
        for lang, scan, help_ in [(None, "Scan met de camera van uw telefoon", "0800-2000"),
                                  ("ar", "امسح الرمز بكاميرا هاتفك", "0800-2000"),
                                  ("uk", "Скануйте камерою телефону", "0800-2000")]:
            extra = ("--lang", lang) if lang else ()
            out = _make(tmp, "poster-%s.svg" % lang, "--survey", "ouders", "--location", "overvecht",
                        "--poster", *extra)
            text = re.sub(r"<[^>]*>", " ", open(out, encoding="utf-8").read())
            assert scan in text and help_ in text and "Veilig Thuis" in text, (lang, text)
            # the other languages, by their own names
            for name in ["English", "Türkçe", "Polski"]:
                assert name in text, (lang, name)
            assert _decode(out, tmp, 1240).startswith(BASE + "/s/ouders?loc=overvecht")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
