"""Where a login may send the browser: same-site relative paths only (voting/accounts/safe_redirects.py)."""
import pytest

from voting.accounts.safe_redirects import safe_next_path


@pytest.mark.parametrize("target", ["/", "/estates", "/estates/3?tab=roll#progress", "/rounds/5/notices?next=/x"])
def test_same_site_paths_are_kept(target):
    assert safe_next_path(target) == target


@pytest.mark.parametrize("target", [
    None, "", "estates", "//evil.example/phish", "/\t/evil.example/phish", "/\n/evil.example", "/\r//evil.example",
    "/\\evil.example", "\\\\evil.example", "/%09/evil.example", "/%5Cevil.example", "https://evil.example/",
    "javascript:alert(1)", "/\u202e/evil", "/\x00/evil", " /evil", "/\x7f/evil",
])
def test_anything_a_browser_could_read_as_another_site_is_refused(target):
    assert safe_next_path(target) is None
