"""Kernel managers whose kernels come from a provisioner of ours
(jupyter_client ≥ 7's kernel provisioner API): forked from a warm template
(``forkserver.ForkProvisioner``) or adopted, already running
(``earlykernel``). One mechanism for both: the manager makes its
provisioner itself instead of looking one up by the kernel spec's name.
"""
from __future__ import annotations

import uuid


def manager_with(base: type, provisioner: type, prefix: str) -> type:
    """A subclass of the kernel manager class ``base`` (named ``prefix`` +
    its name) whose ``start_kernel`` uses ``provisioner`` (a
    ``LocalProvisioner`` subclass); everything else — transport, environment
    filtering, stderr, the client class — stays ``base``'s."""

    class Manager(base):
        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = provisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    Manager.__name__ = Manager.__qualname__ = f"{prefix}{base.__name__}"
    return Manager
