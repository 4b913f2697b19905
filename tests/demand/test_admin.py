import pytest

from tests.demand.helpers import published

pytestmark = pytest.mark.django_db


def test_operators_read_demands_challenges_and_terms_in_the_back_office(org_admin, operator, client_for):
    published(org_admin, operator, confidentiality="summary")
    c = client_for(operator)
    for url in ("/backoffice/demand/demand/", "/backoffice/demand/challenge/", "/backoffice/demand/application/",
                "/backoffice/demand/termsacceptance/"):
        assert c.get(url).status_code == 200, url
    assert c.get("/backoffice/demand/demand/add/").status_code == 403
    assert client_for(org_admin.user).get("/backoffice/demand/demand/").status_code in (302, 403)
