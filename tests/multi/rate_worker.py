"""One worker of the shared-rate test: ``api_slots`` then ``open_client``, as a flow run does,
then ``sys.argv[2]`` requests (order listings), four at a time, against ``sys.argv[1]``."""

from __future__ import annotations

import asyncio
import sys

from flows.runtime import api_slots, open_client
from porting_batch.settings import Settings


async def main(base_url: str, count: int) -> None:
    """Send ``count`` requests through the client a run would open."""
    settings = Settings(
        api="telnyx",
        api_base_url=base_url,
        api_key="KEYSIMULATOR",
        requests_per_second=1000,
        max_in_flight=4,
    )
    async with api_slots(settings) as in_flight, open_client(settings) as client:
        gate = asyncio.Semaphore(in_flight)

        async def one() -> None:
            async with gate:
                [order async for order in client.list_orders()]

        await asyncio.gather(*(one() for _ in range(count)))
        # Which transport the client got shows that the run drew from the shared limit, and
        # how many slots it took from the server at a time.
        transport = client._http._transport
        block = getattr(transport, "block", 0)
        print(f"rate_limited={client.stats.rate_limited} {type(transport).__name__} block={block}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
