"""The simulated org's two URLs: its My Domain (base_url) and where its users log in (login_url), which the token
endpoint accepts as a JWT audience as well."""

from __future__ import annotations

from provisioner.sim import oauth
from provisioner.sim.org import OrgConfig, SimOrg


def test_the_login_url_is_an_attribute_of_the_org_and_an_accepted_audience():
    org = SimOrg(OrgConfig(), base_url="http://127.0.0.1:8443")
    assert org.login_url == ""  # until the server binds a port
    assert oauth.accepted_audiences(org) == {"http://127.0.0.1:8443", oauth.PRODUCTION_LOGIN}
    org.login_url = "http://127.0.0.1:9443/"  # a generic login host on its own origin
    assert "http://127.0.0.1:9443" in oauth.accepted_audiences(org)


def test_a_started_org_says_where_to_log_in(sim_factory):
    generic, my_domain = sim_factory(), sim_factory(login_host="my_domain")
    assert generic.org.login_url == generic.info()["login_url"] != generic.org.base_url
    assert my_domain.org.login_url == my_domain.org.base_url
