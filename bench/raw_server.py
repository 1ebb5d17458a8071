"""The baseline: a bare grpc.aio unary call on loopback, answering with a fixed message.

It is what the StartIncident figures are compared with: the same client, the same
transport, and no work behind the call.
"""

from __future__ import annotations

import argparse
import asyncio

import grpc

from tocsin.proto.incidents.v1 import incidents_pb2 as pb

REPLY: bytes = pb.StartIncidentResponse(
    incident_record_arn="arn:tocsin:ssm-incidents::000000000000:incident-record/bench/"
                        "6ebcc812-85f5-b7eb-8b2f-283e4d844308").SerializeToString()


async def start_incident(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return REPLY


async def main(port: int) -> None:
    server = grpc.aio.server()
    handler = grpc.unary_unary_rpc_method_handler(start_incident)
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "tocsin.incidents.v1.Incidents", {"StartIncident": handler})])
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
