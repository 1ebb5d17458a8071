"""The resources an alarm or event names, which become an incident's INVOLVED_RESOURCE items.

From an EventBridge-shaped event, its ``resources``; from a CloudWatch alarm state change,
the resources its metrics' dimensions name (DynamoDB tables and indexes, EC2 instances and
images, Lambda functions, RDS instances and clusters, S3 buckets), since its ``resources``
holds only the alarm itself. Pure: reads the trigger's ``rawData``.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["involved_resources"]


def involved_resources(raw_data: str | None, *, trigger_arn: str | None = None) -> list[str]:
    """ARNs of the resources the trigger's raw event names, in order, without repeats."""
    if not raw_data:
        return []
    try:
        event = msgspec.json.decode(raw_data)
    except msgspec.DecodeError:
        return []
    if not isinstance(event, dict):
        return []
    found: list[str] = []
    if event.get("source") == "aws.cloudwatch" and isinstance(event.get("detail"), dict):
        found = _from_alarm(event)
    else:
        found = [r for r in event.get("resources") or [] if isinstance(r, str)]
    return [arn for arn in dict.fromkeys(found) if arn and arn != trigger_arn]


def _from_alarm(event: dict[str, Any]) -> list[str]:
    region, account = str(event.get("region", "")), str(event.get("account", ""))
    metrics = (event["detail"].get("configuration") or {}).get("metrics") or []
    arns: list[str] = []
    for metric in metrics:
        stat = (metric.get("metricStat") or {}).get("metric") or {}
        namespace, dims = stat.get("namespace"), stat.get("dimensions") or {}
        if isinstance(dims, dict):
            arns += _dimension_arns(str(namespace), dims, region, account)
    return arns


def _dimension_arns(namespace: str, d: dict[str, Any], region: str, account: str) -> list[str]:
    base = f"{region}:{account}"
    if namespace == "AWS/DynamoDB" and "TableName" in d:
        table = f"arn:aws:dynamodb:{base}:table/{d['TableName']}"
        if "GlobalSecondaryIndexName" in d:
            return [f"{table}/index/{d['GlobalSecondaryIndexName']}"]
        return [table]
    if namespace == "AWS/EC2":
        if "InstanceId" in d:
            return [f"arn:aws:ec2:{base}:instance/{d['InstanceId']}"]
        if "ImageId" in d:
            return [f"arn:aws:ec2:{region}::image/{d['ImageId']}"]
    if namespace == "AWS/Lambda" and "FunctionName" in d:
        function = f"arn:aws:lambda:{base}:function:{d['FunctionName']}"
        resource = d.get("Resource")
        if isinstance(resource, str) and ":" in resource:
            return [f"arn:aws:lambda:{base}:function:{resource}"]
        return [function]
    if namespace == "AWS/RDS":
        if "DBInstanceIdentifier" in d:
            return [f"arn:aws:rds:{base}:db:{d['DBInstanceIdentifier']}"]
        if "DBClusterIdentifier" in d:
            return [f"arn:aws:rds:{base}:cluster:{d['DBClusterIdentifier']}"]
    if namespace == "AWS/S3" and "BucketName" in d:
        return [f"arn:aws:s3:::{d['BucketName']}"]
    return []
